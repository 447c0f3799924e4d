from odoo import Command
from odoo.exceptions import UserError
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

    def test_typed_held_lot_cannot_be_shipped_until_released(self):
        """Odoo lets a user type a lot on a delivery line and takes it from WH/Stock
        at a negative quantity: a held lot must not leave that way."""
        lot = self.lot("LOT-D3")
        self.put(self.lot_product, 4, lot=lot)
        self.hold(self.quants(self.lot_product, self.stock, lot))
        picking = self.delivery(self.lot_product, 4).with_user(self.operator)
        picking.action_assign()
        self.assertEqual(picking.move_ids.quantity, 0, "held stock is never reserved")
        picking.move_ids.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": self.lot_product.id,
                            "lot_id": lot.id,
                            "quantity": 4,
                            "location_id": self.stock.id,
                            "location_dest_id": self.customer_loc.id,
                        }
                    )
                ],
                "picked": True,
            }
        )
        with self.assertRaisesRegex(UserError, r"LOT-D3\) cannot be consumed or shipped.*4 in WH"):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 0, "nothing taken")
        held = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, lot)
        self.assertEqual(held.quantity, 4)
        # released, the same line ships it from the stock it now is
        self.release(held)
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 0)
        self.assertEqual(self.qty(self.lot_product, self.customer_loc, lot), 4)
