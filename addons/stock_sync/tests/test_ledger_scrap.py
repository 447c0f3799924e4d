"""Scraps, and scraps whose quantity changes after they are done."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerScrap(LedgerScenarioCase):
    def _scrap(self, product, qty, **vals):
        scrap = (
            self.env["stock.scrap"]
            .with_user(self.operator)
            .create(
                {"product_id": product.id, "scrap_qty": qty, "location_id": self.stock.id, **vals}
            )
        )
        scrap.action_validate()
        self.assertEqual(scrap.state, "done")
        return scrap

    def test_scrap(self):
        self.receive_into([(self.product, 10)])
        with self.capture_events() as captured:
            self._scrap(self.product, 3)
        self.assertEqual(captured.events.operation, "scrap")
        self.assertOutboxMatchesStockLedger()

    def test_scrap_quantity_changed_after_done(self):
        self.receive_into([(self.product, 10)])
        scrap = self._scrap(self.product, 3)
        move = scrap.move_ids.with_user(self.stock_manager)
        with self.capture_events() as captured:
            move.quantity = 5  # a second done line for the 2 more scrapped
        self.assertEqual(captured.events.mapped("operation"), ["scrap"])
        self.assertEqual(self.product.qty_available, 5)
        self.assertEqual(scrap.scrap_qty, 5)
        self.assertOutboxMatchesStockLedger()
        move.quantity = 1
        self.assertEqual(self.product.qty_available, 9)
        self.assertOutboxMatchesStockLedger()

    def test_scrap_from_a_done_transfer_in_another_unit_of_a_lot(self):
        """Scrapped from a done receipt, core creates the scrap move done: no _action_done."""
        picking = self.receive_into(
            [(self.lot_product, 36)], lots={self.lot_product: [("S1", 24), ("S2", 12)]}
        )
        lot = self.env["stock.lot"].search([("name", "=", "S1")])
        with self.capture_events() as captured:
            scrap = self._scrap(
                self.lot_product,
                1,
                lot_id=lot.id,
                product_uom_id=self.dozen.id,
                picking_id=picking.id,
            )
        self.assertEqual(captured.events.operation, "scrap")
        self.assertEqual(captured.events.payload["data"]["quantity"], 12.0)
        self.assertEqual(self.on_hand(self.lot_product, self.stock, lot_id=lot), 12)
        scrap.move_ids.move_line_ids.with_user(self.stock_manager).quantity = 2
        self.assertEqual(self.on_hand(self.lot_product, self.stock, lot_id=lot), 0)
        self.assertOutboxMatchesStockLedger()
