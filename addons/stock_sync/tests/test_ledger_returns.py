"""Returns: of deliveries and receipts, partial, of a return, with lots."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerReturns(LedgerScenarioCase):
    def _return(self, picking, quantities):
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.operator)
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0)
        returned = wizard._create_return()
        return self.validate(returned, quantities=quantities)

    def test_partial_return_of_a_delivery_and_return_of_the_return(self):
        self.receive_into([(self.product, 10), (self.carton, 10)])
        delivery = self.new_picking(
            self.warehouse.out_type_id,
            [(self.product, 6), (self.carton, 2)],
            self.stock,
            self.customer_loc,
        )
        delivery = self.validate(delivery)
        with self.capture_events() as captured:
            returned = self._return(delivery, {self.product: 4})
        self.assertEqual(captured.events.mapped("operation"), ["return"])
        self.assertEqual(self.product.qty_available, 8)
        self._return(returned, {self.product: 1})
        self.assertEqual(self.product.qty_available, 7)
        self.assertOutboxMatchesStockLedger()

    def test_return_of_a_receipt_with_lots(self):
        receipt = self.receive_into(
            [(self.lot_product, 10)], lots={self.lot_product: [("R1", 6), ("R2", 4)]}
        )
        self._return(receipt, {self.lot_product: 5})
        self.assertEqual(self.lot_product.qty_available, 5)
        self.assertOutboxMatchesStockLedger()

    def test_return_edited_after_done(self):
        self.receive_into([(self.product, 10)])
        delivery = self.validate(
            self.new_picking(
                self.warehouse.out_type_id, [(self.product, 5)], self.stock, self.customer_loc
            )
        )
        returned = self.unlock(self._return(delivery, {self.product: 2}))
        returned.move_ids.quantity = 3
        returned.move_line_ids.with_user(self.stock_manager).write(
            {"location_dest_id": self.shelf.id}
        )
        self.assertEqual(self.on_hand(self.product, self.shelf), 3)
        self.assertOutboxMatchesStockLedger()
