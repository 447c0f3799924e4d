"""Consignment: stock owned by a partner, received, moved, delivered and counted."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerOwner(LedgerScenarioCase):
    def test_consigned_stock_received_moved_and_delivered(self):
        receipt = self.new_picking(
            self.warehouse.in_type_id,
            [(self.product, 10)],
            self.supplier_loc,
            self.stock,
            owner_id=self.consignor.id,
        )
        with self.capture_events() as captured:
            self.validate(receipt)
        self.assertEqual(captured.events.payload["data"]["owner"]["id"], self.consignor.id)
        self.assertEqual(self.on_hand(self.product, self.stock, owner_id=self.consignor), 10)
        self.internal([(self.product, 4)], self.stock, self.shelf)
        self.assertEqual(self.on_hand(self.product, self.shelf, owner_id=self.consignor), 4)
        delivery = self.new_picking(
            self.warehouse.out_type_id,
            [(self.product, 3)],
            self.stock,
            self.customer_loc,
            owner_id=self.consignor.id,
        )
        self.validate(delivery)
        self.assertEqual(delivery.move_line_ids.owner_id, self.consignor)
        self.assertOutboxMatchesStockLedger()

    def test_owner_set_and_removed_on_done_lines(self):
        picking = self.receive_into([(self.product, 6)])
        line = picking.move_line_ids.with_user(self.stock_manager)
        line.owner_id = self.consignor
        self.assertEqual(self.on_hand(self.product, self.stock, owner_id=self.consignor), 6)
        self.assertOutboxMatchesStockLedger()
        line.owner_id = False
        self.assertOutboxMatchesStockLedger()

    def test_consigned_stock_counted(self):
        self.count(self.product, self.stock, 5, owner_id=self.consignor)
        self.count(self.product, self.stock, 2, owner_id=self.consignor)
        self.assertEqual(self.on_hand(self.product, self.stock, owner_id=self.consignor), 2)
        self.assertOutboxMatchesStockLedger()
