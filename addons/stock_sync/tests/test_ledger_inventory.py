"""Inventory adjustments: counts applied on quants, the quantity wizard, relocations."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerInventory(LedgerScenarioCase):
    def test_counts_up_down_and_to_zero(self):
        self.receive_into([(self.product, 10)])
        with self.capture_events() as captured:
            self.count(self.product, self.stock, 14)
        self.assertEqual(captured.events.operation, "adjustment")
        self.assertEqual(captured.events.payload["data"]["quantity"], 4.0)
        self.count(self.product, self.stock, 9)
        self.count(self.product, self.shelf, 3)
        self.count(self.product, self.stock, 0)
        self.assertEqual(self.product.qty_available, 3)
        self.assertOutboxMatchesStockLedger()

    def test_apply_several_counts_at_once_with_lots_packages_and_owner(self):
        lot = self.env["stock.lot"].create({"name": "INV-1", "product_id": self.lot_product.id})
        package = self.env["stock.quant.package"].create({"name": "PACK-INV"})
        Quant = self.env["stock.quant"].with_user(self.operator).with_context(inventory_mode=True)
        quants = Quant.create(
            [
                {
                    "product_id": self.lot_product.id,
                    "location_id": self.stock.id,
                    "lot_id": lot.id,
                    "inventory_quantity": 7,
                },
                {
                    "product_id": self.product.id,
                    "location_id": self.shelf.id,
                    "package_id": package.id,
                    "inventory_quantity": 5,
                },
                {
                    "product_id": self.carton.id,
                    "location_id": self.stock.id,
                    "owner_id": self.consignor.id,
                    "inventory_quantity": 11,
                },
            ]
        )
        with self.capture_events() as captured:
            quants.action_apply_inventory()
        self.assertEqual(len(captured.events), 3)
        self.assertEqual(set(captured.events.mapped("operation")), {"adjustment"})
        self.assertOutboxMatchesStockLedger()

    def test_update_quantity_wizard(self):
        wizard = (
            self.env["stock.change.product.qty"]
            .with_user(self.stock_manager)
            .create(
                {
                    "product_id": self.product.id,
                    "product_tmpl_id": self.product.product_tmpl_id.id,
                    "new_quantity": 25,
                }
            )
        )
        wizard.change_product_qty()
        self.assertEqual(self.product.qty_available, 25)
        self.assertOutboxMatchesStockLedger()

    def test_relocate_quants(self):
        self.receive_into([(self.product, 8)])
        wizard = (
            self.env["stock.quant.relocate"]
            .with_user(self.stock_manager)  # the wizard is the managers''
            .create(
                {
                    "quant_ids": [(6, 0, self.quant(self.product, self.stock).ids)],
                    "dest_location_id": self.bin.id,
                }
            )
        )
        wizard.action_relocate_quants()
        self.assertEqual(self.on_hand(self.product, self.bin), 8)
        self.assertOutboxMatchesStockLedger()
