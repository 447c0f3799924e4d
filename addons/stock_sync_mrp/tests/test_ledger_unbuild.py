"""Unbuild orders, of a quantity other than the one produced."""

from odoo.tests import tagged

from .scenario_common import MrpLedgerCase


@tagged("post_install", "-at_install")
class TestLedgerUnbuild(MrpLedgerCase):
    def _unbuild(self, qty, production=None, **vals):
        unbuild = (
            self.env["mrp.unbuild"]
            .with_user(self.mrp_user)
            .create(
                {
                    "product_id": self.tablet.id,
                    "mo_id": production.id if production else False,
                    "bom_id": self.bom.id,
                    "product_qty": qty,
                    **vals,
                }
            )
        )
        unbuild.action_unbuild()
        self.assertEqual(unbuild.state, "done")
        return unbuild

    def test_unbuild_part_of_an_order(self):
        self.stock_components()
        production = self.produce(self.new_production(4))
        with self.capture_events() as captured:
            self._unbuild(3, production)
        self.assertEqual(set(captured.events.mapped("operation")), {"unbuild"})
        self.assertEqual(self.tablet.qty_available, 1)
        self.assertEqual(self.product.qty_available, 100 - 8 + 6)
        self.assertOutboxMatchesStockLedger()

    def test_unbuild_after_the_order_was_changed(self):
        self.stock_components()
        production = self.unlock_production(self.produce(self.new_production(2)))
        production.qty_producing = 4
        self._unbuild(3, production)
        self._unbuild(1, production)
        self.assertEqual(self.tablet.qty_available, 0)
        self.assertOutboxMatchesStockLedger()

    def test_unbuild_without_an_order(self):
        self.receive_into([(self.tablet, 5)])
        self._unbuild(2)
        self.assertEqual(self.product.qty_available, 4)
        self.assertEqual(self.carton.qty_available, 2)
        self.assertOutboxMatchesStockLedger()
