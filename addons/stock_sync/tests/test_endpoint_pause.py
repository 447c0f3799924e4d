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

    def test_a_retry_wakes_the_dispatcher_on_time(self):
        # As on endpoints saved before the pause existed: the flag is NULL, not false.
        self.env.cr.execute(
            "UPDATE stock_sync_endpoint SET paused = NULL WHERE id = %s", (self.endpoint.id,)
        )
        self.receiver.set_behaviour("status", status=503, times=1)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        Trigger = self.env["ir.cron.trigger"].sudo()
        cron = self.env.ref("stock_sync.ir_cron_dispatch")
        before = Trigger.search([("cron_id", "=", cron.id)])
        self.dispatch()
        self.assertEqual(delivery.state, "failed")
        scheduled = Trigger.search([("cron_id", "=", cron.id)]) - before
        self.assertTrue(
            scheduled.filtered(
                lambda t: abs((t.call_at - delivery.next_attempt_at).total_seconds()) < 2
            ),
            "the cron is triggered for the retry, not left to its one-minute poll",
        )
