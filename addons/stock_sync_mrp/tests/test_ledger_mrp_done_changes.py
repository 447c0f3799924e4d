"""Done manufacturing orders changed afterwards: components added, quantities changed."""

from odoo.tests import Form, tagged

from .scenario_common import MrpLedgerCase


@tagged("post_install", "-at_install")
class TestLedgerMrpDoneChanges(MrpLedgerCase):
    def test_component_added_to_a_done_order(self):
        self.stock_components()
        extra = self.env["product.product"].create(
            {"name": "Coating", "is_storable": True, "default_code": "COAT"}
        )
        self.receive_into([(extra, 10)])
        production = self.unlock_production(self.produce(self.new_production(2)))
        with self.capture_events() as captured, Form(production) as form:
            with form.move_raw_ids.new() as move:
                move.product_id = extra
                move.quantity = 3
        self.assertEqual(extra.qty_available, 7)
        self.assertEqual(captured.events.mapped("operation"), ["consumption"])
        self.assertEqual(
            captured.events.payload["data"]["manufacturing"]["production"]["name"],
            production.name,
        )
        self.assertOutboxMatchesStockLedger()

    def test_produced_quantity_raised_and_lowered_after_done(self):
        self.stock_components()
        production = self.unlock_production(self.produce(self.new_production(3)))
        with self.capture_events() as captured:
            production.qty_producing = 5
        self.assertEqual(self.tablet.qty_available, 5)
        self.assertEqual(captured.events.mapped("operation"), ["production"])
        self.assertOutboxMatchesStockLedger()
        production.qty_producing = 2
        self.assertEqual(self.tablet.qty_available, 2)
        self.assertOutboxMatchesStockLedger()

    def test_consumed_and_byproduct_quantities_changed_after_done(self):
        self.stock_components()
        production = self.unlock_production(self.produce(self.new_production(2)))
        component = production.move_raw_ids.filtered(lambda m: m.product_id == self.product)
        component.quantity = 6
        self.assertEqual(self.product.qty_available, 94)
        component.move_line_ids[:1].quantity = 1
        byproduct = production.move_finished_ids.filtered(lambda m: m.product_id == self.dust)
        byproduct.quantity = 5
        self.assertEqual(self.dust.qty_available, 5)
        self.assertOutboxMatchesStockLedger()

    def test_produced_lot_changed_after_done(self):
        self.stock_components()
        self.tablet.tracking = "lot"
        lot_a, lot_b = self.env["stock.lot"].create(
            [
                {"name": "TAB-A", "product_id": self.tablet.id},
                {"name": "TAB-B", "product_id": self.tablet.id},
            ]
        )
        production = self.produce(self.new_production(2), lot=lot_a)
        production = self.unlock_production(production)
        production.lot_producing_id = lot_b
        self.assertEqual(self.on_hand(self.tablet, self.stock, lot_id=lot_b), 2)
        self.assertOutboxMatchesStockLedger()
