"""A receiver that trickles its answer is cut at the endpoint's timeout: it holds the batch's claim no longer."""

import time

from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryDeadline(OutboxDeliveryCase):
    def test_a_trickled_answer_is_cut_at_the_timeout(self):
        self.endpoint.timeout = 1.0
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        # A byte every 0.3 s: no single read ever waits a whole second.
        self.receiver.set_behaviour("trickle", delay=0.3, times=1)
        started = time.monotonic()
        self.dispatch()
        elapsed = time.monotonic() - started
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "timeout"}])
        self.assertIn("No answer within 1 s", delivery.error_message)
        self.assertLess(elapsed, 5, "cut at the deadline, not after the trickle ends")
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered", "the next connection is a clean one")
