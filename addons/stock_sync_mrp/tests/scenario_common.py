"""Manufacturing flows for the ledger scenarios, run by a manufacturing user."""

from odoo import Command
from odoo.tests import Form, new_test_user

from odoo.addons.stock_sync.tests.scenario_common import LedgerScenarioCase


class MrpLedgerCase(LedgerScenarioCase):
    """A tablet made of 2 API and 1 carton, with dust as by-product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # mrp.group_mrp_user implies the stock user: the least a planner needs.
        cls.mrp_user = new_test_user(cls.env, "sync_mrp_planner", groups="mrp.group_mrp_user")
        cls.tablet = cls.env["product.product"].create(
            {"name": "Tablet", "is_storable": True, "default_code": "TAB-1"}
        )
        cls.dust = cls.env["product.product"].create(
            {"name": "Dust", "is_storable": True, "default_code": "DUST"}
        )
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.tablet.product_tmpl_id.id,
                "product_qty": 1,
                "code": "BOM-TAB",
                "bom_line_ids": [
                    Command.create({"product_id": cls.product.id, "product_qty": 2}),
                    Command.create({"product_id": cls.carton.id, "product_qty": 1}),
                ],
                "byproduct_ids": [Command.create({"product_id": cls.dust.id, "product_qty": 1})],
            }
        )

    def stock_components(self, qty=100):
        self.receive_into([(self.product, qty), (self.carton, qty)])

    def new_production(self, qty, product=None, bom=None):
        form = Form(self.env["mrp.production"].with_user(self.mrp_user))
        form.product_id = product or self.tablet
        form.bom_id = bom or self.bom
        form.product_qty = qty
        production = form.save()
        production.action_confirm()
        production.action_assign()
        return production

    def produce(self, production, qty=None, backorder=None, lot=None):
        """Produce ``qty`` (all) of ``production`` and mark it done, as the UI does."""
        form = Form(production)
        form.qty_producing = qty or production.product_qty
        if lot:
            form.lot_producing_id = lot
        production = form.save()
        production.move_raw_ids.picked = True
        result = production.button_mark_done()
        if isinstance(result, dict) and result.get("res_model") == "mrp.production.backorder":
            self.assertIsNotNone(backorder, f"{production.name} asks about a backorder")
            wizard = Form.from_action(production.env, result).save()
            if backorder:
                wizard.action_backorder()
            else:
                wizard.action_close_mo()
        self.assertEqual(production.state, "done")
        return production

    def unlock_production(self, production):
        production = production.with_user(self.mrp_user)
        production.action_toggle_is_locked()
        self.assertFalse(production.is_locked)
        return production
