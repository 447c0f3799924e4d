"""Manufacturing flows: backorders, cancellation after a partial done, scrap, multi-step."""

from odoo.tests import tagged

from .scenario_common import MrpLedgerCase


@tagged("post_install", "-at_install")
class TestLedgerMrpFlows(MrpLedgerCase):
    def test_order_with_backorder_then_the_backorder_cancelled(self):
        self.stock_components()
        production = self.produce(self.new_production(5), qty=2, backorder=True)
        backorder = production.procurement_group_id.mrp_production_ids - production
        self.assertEqual(backorder.product_qty, 3)
        backorder.with_user(self.mrp_user).action_cancel()
        self.assertEqual(self.tablet.qty_available, 2)
        self.assertOutboxMatchesStockLedger()

    def test_order_partially_done_without_backorder(self):
        self.stock_components()
        self.produce(self.new_production(5), qty=3, backorder=False)
        self.assertEqual(self.tablet.qty_available, 3)
        self.assertOutboxMatchesStockLedger()

    def test_component_scrapped_from_an_order(self):
        self.stock_components()
        production = self.new_production(2)
        scrap = (
            self.env["stock.scrap"]
            .with_user(self.mrp_user)
            .create(
                {
                    "product_id": self.product.id,
                    "scrap_qty": 1,
                    "production_id": production.id,
                    "location_id": production.location_src_id.id,
                }
            )
        )
        scrap.action_validate()
        self.produce(production)
        self.assertEqual(self.product.qty_available, 100 - 1 - 4)
        self.assertOutboxMatchesStockLedger()

    def test_three_step_manufacturing(self):
        self.warehouse.manufacture_steps = "pbm_sam"
        self.stock_components()
        production = self.new_production(2)
        for picking in production.picking_ids.filtered(lambda p: p.state == "assigned"):
            self.validate(picking, user=self.mrp_user)
        production.action_assign()
        self.produce(production)
        for picking in production.picking_ids.filtered(lambda p: p.state == "assigned"):
            self.validate(picking, user=self.mrp_user)
        self.assertEqual(self.on_hand(self.tablet, self.stock), 2)
        self.assertOutboxMatchesStockLedger()
