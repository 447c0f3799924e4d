"""Manufacturing with held components: the scenarios, shared with the ledger glue.

``HeldComponentScenarios`` holds the scenarios; each ends with
``assert_ledger()``. Here that hook has nothing to compare (no outbox without
Inventory Sync); ``stock_quality_hold_sync_mrp`` runs the same scenarios with
the outbox and ends each with ``assertOutboxMatchesStockLedger``.
"""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user

from odoo.addons.stock_quality_hold.tests.common import QualityHoldCase


class QualityHoldMrpCase(QualityHoldCase):
    """A seal made of 2 resin (lot-tracked) and 1 gasket (untracked), and a planner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # mrp.group_mrp_user implies the stock user: the least a planner needs.
        cls.mrp_user = new_test_user(
            cls.env, "qh_mrp_planner", groups="mrp.group_mrp_user,stock.group_production_lot"
        )
        cls.seal = cls.env["product.product"].create(
            {"name": "Seal", "is_storable": True, "default_code": "QH-SEAL"}
        )
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.seal.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [
                    Command.create({"product_id": cls.lot_product.id, "product_qty": 2}),
                    Command.create({"product_id": cls.product.id, "product_qty": 1}),
                ],
            }
        )

    def assert_ledger(self):
        """Each scenario's last word; see the module docstring."""

    def new_production(self, qty):
        production = (
            self.env["mrp.production"]
            .with_user(self.mrp_user)
            .create({"product_id": self.seal.id, "bom_id": self.bom.id, "product_qty": qty})
        )
        production.action_confirm()
        production.action_assign()
        return production

    def component(self, production, product):
        return production.move_raw_ids.filtered(lambda m: m.product_id == product)

    def mark_done(self, production):
        production.qty_producing = production.product_qty
        production.move_raw_ids.picked = True
        result = production.button_mark_done()
        self.assertEqual(production.state, "done", result)


class HeldComponentScenarios:
    """An MO neither reserves nor consumes a held component, and does once it is released."""

    def test_a_held_lot_is_neither_reserved_nor_consumed_until_released(self):
        lot = self.lot("RES-MO-HELD")
        self.put(self.lot_product, 10, lot=lot)
        self.put(self.product, 5)
        self.hold(self.quants(self.lot_product, self.stock, lot), bucket="quarantine")
        quarantine = self.warehouse.quarantine_location_id
        production = self.new_production(2)
        resin = self.component(production, self.lot_product)
        self.assertEqual(resin.quantity, 0)
        self.assertEqual(resin.state, "confirmed")
        self.assertEqual(production.components_availability_state, "unavailable")
        self.assertEqual(self.component(production, self.product).state, "assigned")
        # the planner types the held lot on the component line: refused
        resin.move_line_ids = [
            Command.create(
                {
                    "product_id": self.lot_product.id,
                    "lot_id": lot.id,
                    "quantity": 4,
                    "location_id": resin.location_id.id,
                    "location_dest_id": resin.location_dest_id.id,
                }
            )
        ]
        with (
            self.assertRaisesRegex(UserError, r"Resin \(RES-MO-HELD\) cannot be consumed"),
            self.env.cr.savepoint(),
        ):
            self.mark_done(production)
        # as after the error in the UI: what the refused call wrote is rolled back
        self.env.invalidate_all()
        self.assertFalse(resin.picked)
        self.assertEqual(self.qty(self.lot_product, quarantine, lot), 10)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 0)
        self.assertNotEqual(production.state, "done")
        # released: the MO reserves it and consumes it
        resin.move_line_ids.unlink()
        self.release(self.quants(self.lot_product, quarantine, lot))
        production.action_assign()
        self.assertEqual((resin.quantity, resin.move_line_ids.lot_id), (4, lot))
        self.assertEqual(production.components_availability_state, "available")
        self.mark_done(production)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 6)
        self.assertEqual(self.qty(self.seal, self.stock), 2)
        self.assert_ledger()

    def test_a_held_untracked_component_is_neither_reserved_nor_consumed_until_released(self):
        resin_lot = self.lot("RES-MO-FREE")
        self.put(self.lot_product, 10, lot=resin_lot)
        self.put(self.product, 3)
        self.hold(self.quants(self.product, self.stock))
        qa_hold = self.warehouse.qa_hold_location_id
        production = self.new_production(3)
        gasket = self.component(production, self.product)
        self.assertEqual((gasket.quantity, gasket.state), (0, "confirmed"))
        self.assertEqual(self.component(production, self.lot_product).state, "assigned")
        # forcing the quantity takes it from WH/Stock, which has none: refused
        gasket.quantity = 3
        with (
            self.assertRaisesRegex(UserError, r"Gasket cannot be consumed.*3 in WH-Quality/QA"),
            self.env.cr.savepoint(),
        ):
            self.mark_done(production)
        self.env.invalidate_all()
        self.assertFalse(gasket.picked)
        self.assertEqual(self.qty(self.product, qa_hold), 3)
        self.assertEqual(self.qty(self.product, self.stock), 0)
        gasket.quantity = 0
        self.release(self.quants(self.product, qa_hold))
        production.action_assign()
        self.assertEqual((gasket.quantity, gasket.state), (3, "assigned"))
        self.mark_done(production)
        self.assertEqual(self.qty(self.product, self.stock), 0)
        self.assertEqual(self.qty(self.seal, self.stock), 3)
        self.assert_ledger()

    def test_free_stock_of_a_partly_held_lot_is_consumed(self):
        lot = self.lot("RES-MO-PART")
        self.put(self.lot_product, 10, lot=lot)
        self.put(self.product, 5)
        self.hold(self.quants(self.lot_product, self.stock, lot), quantity=6)
        production = self.new_production(2)
        resin = self.component(production, self.lot_product)
        self.assertEqual((resin.quantity, resin.move_line_ids.lot_id), (4, lot))
        self.mark_done(production)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 0)
        self.assertEqual(self.qty(self.lot_product, self.warehouse.qa_hold_location_id, lot), 6)
        self.assertEqual(lot.quality_status, "on_hold")
        self.assert_ledger()
