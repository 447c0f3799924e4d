"""Backorders, with and without, and cancellation after a partial done."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerBackorders(LedgerScenarioCase):
    def test_receipt_with_backorder_then_the_backorder(self):
        picking = self.new_picking(
            self.warehouse.in_type_id,
            [(self.product, 10), (self.carton, 4)],
            self.supplier_loc,
            self.stock,
        )
        self.validate(picking, quantities={self.product: 6, self.carton: 4}, backorder=True)
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)
        self.validate(backorder)
        self.assertEqual(self.product.qty_available, 10)
        self.assertOutboxMatchesStockLedger()

    def test_receipt_without_backorder(self):
        picking = self.new_picking(
            self.warehouse.in_type_id, [(self.product, 10)], self.supplier_loc, self.stock
        )
        self.validate(picking, quantities={self.product: 3}, backorder=False)
        self.assertFalse(picking.backorder_ids)
        self.assertEqual(self.product.qty_available, 3)
        self.assertOutboxMatchesStockLedger()

    def test_delivery_backorder_cancelled_after_partial_done(self):
        self.receive_into([(self.product, 10)])
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.product, 8)], self.stock, self.customer_loc
        )
        self.validate(delivery, quantities={self.product: 5}, backorder=True)
        backorder = delivery.backorder_ids.with_user(self.operator)
        self.assertEqual(backorder.state, "assigned")
        backorder.action_cancel()
        self.assertEqual(backorder.state, "cancel")
        self.assertEqual(self.product.qty_available, 5)
        self.assertOutboxMatchesStockLedger()

    def test_move_partially_done_then_cancelled(self):
        """A move done in part with cancel_backorder: the rest of it is cancelled."""
        self.receive_into([(self.product, 10)])
        transfer = self.new_picking(
            self.warehouse.int_type_id, [(self.product, 6)], self.stock, self.shelf
        )
        transfer.action_assign()
        transfer.move_ids.quantity = 2
        transfer.move_ids.picked = True
        transfer.move_ids._action_done(cancel_backorder=True)
        self.assertEqual(transfer.move_ids.state, "done")
        self.assertEqual(self.on_hand(self.product, self.shelf), 2)
        self.assertOutboxMatchesStockLedger()
