"""A receipt reaches the receiver signed, in batches of the endpoint's size, in key order."""

from odoo import fields
from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryBatching(OutboxDeliveryCase):
    def test_receipt_is_delivered_signed_batched_and_valid(self):
        with self.capture_events() as captured:
            self.receive([(self.product, 5), (self.carton, 7)])
        events = captured.events
        self.assertEqual(len(events), 2)
        self.assertEqual(self.dispatch(), 2)
        self.assertEqual(set(self.receiver.unique_events()), set(events.mapped("event_uuid")))
        request = self.receiver.requests[0]
        self.assertTrue(request["verified"])
        self.assertEqual(request["content_type"], "application/cloudevents-batch+json")
        self.assertEqual(request["n_events"], 2)
        for received in self.receiver.events:
            self.assertEventMatchesSchema(received)
        deliveries = events.delivery_ids
        self.assertRecordValues(
            deliveries, [{"state": "delivered", "status_code": 204}] * len(deliveries)
        )
        self.assertTrue(all(d.latency_ms >= 0 and d.delivered_at for d in deliveries))
        self.assertEqual(self.dispatch(), 0, "nothing is sent twice")
        self.assertOutboxMatchesStockLedger(endpoint=self.endpoint)

    def test_batches_respect_the_endpoint_size_and_key_order(self):
        self.endpoint.batch_size = 2
        for qty in range(1, 6):
            self.receive([(self.product, qty)])
        self.assertEqual(self.dispatch(), 5)
        self.assertEqual([r["n_events"] for r in self.receiver.requests], [2, 2, 1])
        self.assertEqual(self.receiver.order_violations, [])
        sequences = [int(e["sequence"]) for e in self.receiver.events]
        self.assertEqual(sequences, sorted(sequences))

    def test_bulk_material_waits_for_its_batch_window(self):
        self.endpoint.write({"cadence_bulk": "batch", "batch_interval": 5})
        bulk = self.events_of(self.receive([(self.carton, 1)])).delivery_ids
        critical = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.dispatch()
        self.assertRecordValues(critical | bulk, [{"state": "delivered"}, {"state": "pending"}])
        bulk.sudo().next_attempt_at = fields.Datetime.now()
        self.dispatch()
        self.assertEqual(bulk.state, "delivered")
