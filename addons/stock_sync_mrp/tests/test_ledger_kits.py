"""Kits: a phantom bill of materials explodes transfers into component moves."""

from odoo import Command
from odoo.tests import tagged

from .scenario_common import MrpLedgerCase


@tagged("post_install", "-at_install")
class TestLedgerKits(MrpLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kit = cls.env["product.product"].create(
            {"name": "Starter kit", "is_storable": True, "default_code": "KIT-1"}
        )
        cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.kit.product_tmpl_id.id,
                "product_qty": 1,
                "type": "phantom",
                "bom_line_ids": [
                    Command.create({"product_id": cls.product.id, "product_qty": 2}),
                    Command.create({"product_id": cls.carton.id, "product_qty": 1}),
                ],
            }
        )

    def test_kit_received_delivered_and_returned(self):
        with self.capture_events() as captured:
            self.receive_into([(self.kit, 3)])
        self.assertEqual(captured.events.product_id, self.product | self.carton)
        self.assertEqual(self.product.qty_available, 6)
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.kit, 1)], self.stock, self.customer_loc
        )
        delivery = self.validate(delivery)
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.operator)
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = line.move_id.quantity
        self.validate(wizard._create_return())
        self.assertEqual(self.product.qty_available, 6)
        self.assertOutboxMatchesStockLedger()

    def test_kit_receipt_edited_after_done(self):
        picking = self.unlock(self.receive_into([(self.kit, 2)]))
        component = picking.move_ids.filtered(lambda m: m.product_id == self.carton)
        component.quantity = 3
        self.assertEqual(self.carton.qty_available, 3)
        self.assertOutboxMatchesStockLedger()

    def test_kit_scrapped(self):
        """A scrapped kit is exploded by _action_done itself (is_scrap)."""
        self.receive_into([(self.kit, 2)])
        scrap = (
            self.env["stock.scrap"]
            .with_user(self.operator)
            .create({"product_id": self.kit.id, "scrap_qty": 1, "location_id": self.stock.id})
        )
        with self.capture_events() as captured:
            scrap.action_validate()
        self.assertEqual(set(captured.events.mapped("operation")), {"scrap"})
        self.assertEqual(self.product.qty_available, 2)
        self.assertOutboxMatchesStockLedger()
