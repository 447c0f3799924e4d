"""Serial and lot flows: receipts, deliveries, lots chosen over the reserved ones."""

from odoo import Command
from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerTracking(LedgerScenarioCase):
    def test_serials_received_and_delivered(self):
        serials = [(f"SN-{n}", 1) for n in range(1, 5)]
        with self.capture_events() as captured:
            self.receive_into([(self.serial_product, 4)], lots={self.serial_product: serials})
        self.assertEqual(len(captured.events), 4)
        self.assertEqual(
            sorted(event.payload["data"]["lot"]["name"] for event in captured.events),
            [name for name, _qty in serials],
        )
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.serial_product, 2)], self.stock, self.customer_loc
        )
        self.validate(delivery, lots={self.serial_product: [("SN-4", 1), ("SN-2", 1)]})
        self.assertEqual(self.serial_product.qty_available, 2)
        self.assertOutboxMatchesStockLedger()

    def test_lot_chosen_over_the_reserved_one(self):
        self.receive_into(
            [(self.lot_product, 10)], lots={self.lot_product: [("OLD", 5), ("NEW", 5)]}
        )
        new_lot = self.env["stock.lot"].search([("name", "=", "NEW")])
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.lot_product, 3)], self.stock, self.customer_loc
        )
        delivery.action_assign()
        self.assertEqual(delivery.move_line_ids.lot_id.name, "OLD")
        delivery.move_line_ids.lot_id = new_lot
        self.validate(delivery)
        self.assertEqual(self.on_hand(self.lot_product, self.stock, lot_id=new_lot), 2)
        self.assertOutboxMatchesStockLedger()

    def test_lot_taken_beyond_its_quants_from_untracked_stock(self):
        """Stock received before tracking was switched on is drawn on for a lot."""
        product = self.env["product.product"].create(
            {"name": "Late-tracked gel", "is_storable": True, "default_code": "GEL-1"}
        )
        self.receive_into([(product, 6)])
        product.tracking = "lot"
        lot = self.env["stock.lot"].create({"name": "GEL-L1", "product_id": product.id})
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(product, 4)], self.stock, self.customer_loc
        )
        delivery.move_ids.move_line_ids.unlink()
        delivery.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "quantity": 4,
                    "location_id": self.stock.id,
                    "location_dest_id": self.customer_loc.id,
                    "picking_id": delivery.id,
                }
            )
        ]
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(product.qty_available, 2)
        self.assertOutboxMatchesStockLedger()

    def test_serial_of_a_done_receipt_corrected(self):
        picking = self.receive_into(
            [(self.serial_product, 2)], lots={self.serial_product: [("SX-1", 1), ("SX-2", 1)]}
        )
        typo = picking.move_line_ids.filtered(lambda line: line.lot_id.name == "SX-2")
        right = self.env["stock.lot"].create({"name": "SX-3", "product_id": self.serial_product.id})
        typo.with_user(self.stock_manager).lot_id = right
        self.assertEqual(self.on_hand(self.serial_product, self.stock, lot_id=right), 1)
        self.assertOutboxMatchesStockLedger()
