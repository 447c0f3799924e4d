"""Lines and products added to an unlocked done transfer move stock at once."""

from odoo import Command
from odoo.tests import Form, tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerDonePickingAdditions(LedgerScenarioCase):
    def test_line_added_to_a_done_receipt(self):
        picking = self.unlock(self.receive_into([(self.product, 10)]))
        with self.capture_events() as captured:
            picking.move_line_ids = [
                Command.create(
                    {
                        "product_id": self.product.id,
                        "quantity": 3,
                        "location_id": self.supplier_loc.id,
                        "location_dest_id": self.shelf.id,
                    }
                )
            ]
        self.assertEqual(self.on_hand(self.product, self.shelf), 3)
        self.assertEqual(captured.events.mapped("operation"), ["receipt"])
        self.assertEqual(captured.events.payload["data"]["location_to"]["id"], self.shelf.id)
        self.assertOutboxMatchesStockLedger()

    def test_product_added_to_a_done_receipt(self):
        picking = self.unlock(self.receive_into([(self.product, 10)]))
        with self.capture_events() as captured:
            picking.move_ids = [
                Command.create(
                    {
                        "name": self.carton.name,
                        "product_id": self.carton.id,
                        "product_uom": self.carton.uom_id.id,
                        "product_uom_qty": 0,
                        "quantity": 7,
                        "location_id": self.supplier_loc.id,
                        "location_dest_id": self.stock.id,
                    }
                )
            ]
        self.assertEqual(self.carton.qty_available, 7)
        self.assertEqual(captured.events.product_id, self.carton)
        self.assertOutboxMatchesStockLedger()

    def test_product_added_in_the_form_of_a_done_delivery(self):
        self.receive_into([(self.product, 10), (self.carton, 10)])
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.product, 2)], self.stock, self.customer_loc
        )
        delivery = self.unlock(self.validate(delivery))
        with Form(delivery) as form, form.move_ids_without_package.new() as move:
            move.product_id = self.carton
            move.quantity = 4
        self.assertEqual(self.carton.qty_available, 6)
        self.assertEqual(self.product.qty_available, 8)
        self.assertOutboxMatchesStockLedger()

    def test_lot_line_added_to_a_done_receipt(self):
        picking = self.receive_into([(self.lot_product, 5)], lots={self.lot_product: [("D1", 5)]})
        picking = self.unlock(picking)
        picking.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": self.lot_product.id,
                    "lot_name": "D2",
                    "quantity": 2,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": self.stock.id,
                    "picking_id": picking.id,
                }
            )
        ]
        self.assertEqual(self.lot_product.qty_available, 7)
        self.assertOutboxMatchesStockLedger()
