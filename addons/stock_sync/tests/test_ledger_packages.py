"""Packages: put in pack, moved whole by a transfer, relocated, unpacked."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerPackages(LedgerScenarioCase):
    def _receive_packed(self, lines):
        picking = self.new_picking(self.warehouse.in_type_id, lines, self.supplier_loc, self.stock)
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.action_put_in_pack()
        package = picking.move_line_ids.result_package_id
        self.assertEqual(len(package), 1)
        self.validate(picking)
        return package

    def test_package_moved_whole_by_a_transfer(self):
        package = self._receive_packed([(self.product, 5), (self.carton, 2)])
        self.assertEqual(self.on_hand(self.product, self.stock, package_id=package), 5)
        self.warehouse.int_type_id.show_entire_packs = True
        transfer = self.new_picking(
            self.warehouse.int_type_id,
            [(self.product, 5), (self.carton, 2)],
            self.stock,
            self.shelf,
        )
        transfer.action_assign()
        self.assertEqual(transfer.move_line_ids.package_id, package)
        self.assertEqual(transfer.move_line_ids.result_package_id, package)
        with self.capture_events() as captured:
            self.validate(transfer)
        self.assertEqual(
            [event.payload["data"]["result_package"]["id"] for event in captured.events],
            [package.id] * 2,
        )
        self.assertEqual(package.location_id, self.shelf)
        self.assertOutboxMatchesStockLedger()

    def test_package_relocated_by_its_location_and_unpacked(self):
        package = self._receive_packed([(self.product, 3)])
        package.with_user(self.operator).location_id = self.bin
        self.assertEqual(self.on_hand(self.product, self.bin, package_id=package), 3)
        package.with_user(self.operator).unpack()
        self.assertEqual(self.on_hand(self.product, self.bin), 3)
        self.assertFalse(package.quant_ids)
        self.assertOutboxMatchesStockLedger()

    def test_package_delivered_whole(self):
        package = self._receive_packed([(self.product, 4)])
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.product, 4)], self.stock, self.customer_loc
        )
        self.validate(delivery)
        self.assertEqual(delivery.move_line_ids.package_id, package)
        self.assertOutboxMatchesStockLedger()
