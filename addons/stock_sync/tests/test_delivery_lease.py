"""A dispatcher dies holding work: its lease expires, another sends, its late result is ignored."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryLease(OutboxDeliveryCase):
    def test_expired_lease_returns_work_and_a_late_result_is_ignored(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        Dispatcher = self.env["stock.sync.dispatcher"]
        self.number_events()
        claimed = Dispatcher._claim(self.endpoint, "dead-worker")
        self.assertEqual([row.id for row in claimed], delivery.ids)
        self.env.invalidate_all()
        self.assertEqual(delivery.state, "in_flight")
        self.assertEqual(self.dispatch(), 0, "a live lease is respected")
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET lease_until = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(seconds=1), delivery.id),
        )
        self.assertEqual(self.dispatch(), 1)
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])
        # The first worker wakes up with a failure: it no longer owns the row.
        from ..services.transport import SendResult

        Dispatcher._record(
            self.endpoint, claimed, "dead-worker", SendResult("retry", error_class="timeout")
        )
        self.env.invalidate_all()
        self.assertEqual(delivery.state, "delivered")
