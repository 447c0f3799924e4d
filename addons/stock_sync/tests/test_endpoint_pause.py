"""Pausing keeps collecting and sends nothing; archiving says what it drops."""

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestEndpointPause(OutboxDeliveryCase):
    def test_a_paused_endpoint_collects_and_sends_on_resume(self):
        self.endpoint.with_user(self.sync_manager).action_pause()
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.assertEqual(delivery.endpoint_id, self.endpoint, "still collected while paused")
        self.assertEqual(self.dispatch(), 0)
        self.assertFalse(self.receiver.requests)
        self.endpoint.with_user(self.sync_manager).action_resume()
        self.assertEqual(self.dispatch(), 1)
        self.assertEqual(delivery.state, "delivered")

    def test_archiving_says_that_new_events_are_no_longer_collected(self):
        waiting = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.endpoint.with_user(self.sync_manager).action_archive()
        note = self.endpoint.message_ids[0].body
        self.assertIn("no inventory event is collected", note)
        self.assertIn("1 deliveries already queued", note)
        later = self.events_of(self.receive([(self.product, 2)]))
        self.assertFalse(later.delivery_ids, "an archived endpoint collects nothing")
        self.assertEqual(waiting.state, "pending")

    def test_retry_delays_must_make_sense(self):
        for base, longest in ((0, 10), (-5, 10), (20, 10)):
            with self.subTest(base=base, longest=longest), mute_logger("odoo.sql_db"):
                with self.assertRaises(psycopg2.errors.CheckViolation), self.env.cr.savepoint():
                    self.endpoint.write(
                        {"retry_base_seconds": base, "retry_max_seconds": longest}
                    )
                    self.env.flush_all()
