from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestDeliveryReservation(QualityHoldCase):
    def test_delivery_cannot_reserve_held_stock_until_released(self):
        lot = self.lot("LOT-D1")
        self.put(self.lot_product, 5, lot=lot)
        self.hold(self.quants(self.lot_product, self.stock, lot), bucket="quarantine")
        picking = self.delivery(self.lot_product, 5).with_user(self.operator)
        picking.action_assign()
        self.assertEqual(picking.move_ids.quantity, 0)
        self.assertEqual(picking.state, "confirmed")
        # the scheduler's passes reserve nothing more, and never reserve a hold
        self.env["stock.quant"]._quant_tasks()
        self.env["stock.move"].search([("id", "in", picking.move_ids.ids)])._action_assign()
        self.env["procurement.group"].run_scheduler()
        self.assertEqual(picking.move_ids.quantity, 0)
        held = self.quants(self.lot_product, self.warehouse.quarantine_location_id, lot)
        self.assertEqual(held.quantity, 5)
        self.assertEqual(held.reserved_quantity, 0)
        self.assertEqual(lot.quality_status, "quarantined")
        # released: the same delivery reserves it
        self.release(held)
        self.assertEqual(lot.quality_status, "released")
        picking.action_assign()
        self.assertEqual(picking.move_ids.quantity, 5)
        self.assertEqual(picking.move_ids.move_line_ids.lot_id, lot)
        self.assertEqual(picking.move_ids.move_line_ids.lot_quality_status, "released")

    def test_partial_hold_leaves_the_rest_reservable(self):
        self.put(self.product, 10)
        self.hold(self.quants(self.product, self.stock), quantity=7)
        picking = self.delivery(self.product, 10)
        picking.action_assign()
        self.assertEqual(picking.move_ids.quantity, 3)
        self.assertEqual(
            picking.move_ids.move_line_ids.location_id, self.stock, "reserved in WH/Stock only"
        )
