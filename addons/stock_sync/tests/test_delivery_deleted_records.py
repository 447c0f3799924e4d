"""Products and lots archived or deleted after their events: the events still deliver whole."""

from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryDeletedRecords(OutboxDeliveryCase):
    def test_archived_or_deleted_product_still_delivers(self):
        product = self.env["product.product"].create(
            {"name": "Short-lived", "is_storable": True, "default_code": "TMP-1", "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "LOT-X", "product_id": product.id})
        with self.capture_events() as captured:
            lot.ref = "R1"
            picking = self.receive([(self.product, 1)])
        lot_event = captured.of_type("odoo.stock_sync.lot.v1")
        moved = captured.of_type("odoo.stock_sync.movement.v1")
        self.assertEqual(moved, self.events_of(picking))
        self.product.active = False
        lot.unlink()
        product.unlink()
        self.assertFalse(lot_event.product_id)
        self.dispatch()
        received = self.receiver.unique_events()
        self.assertEqual(received[lot_event.event_uuid]["data"]["product"]["default_code"], "TMP-1")
        self.assertEqual(received[moved.event_uuid]["data"]["product"]["default_code"], "API-001")
        self.assertRecordValues(
            lot_event.delivery_ids | moved.delivery_ids, [{"state": "delivered"}] * 2
        )
        self.assertOutboxMatchesStockLedger(products=self.product)
