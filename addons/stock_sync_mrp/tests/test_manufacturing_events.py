from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.stock_sync.tests.common import StockSyncCase


@tagged("post_install", "-at_install")
class TestManufacturingEvents(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mrp_user = new_test_user(
            cls.env, "sync_mrp_user", groups="mrp.group_mrp_user,stock.group_stock_user"
        )
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
                "bom_line_ids": [Command.create({"product_id": cls.product.id, "product_qty": 2})],
                "byproduct_ids": [Command.create({"product_id": cls.dust.id, "product_qty": 1})],
            }
        )

    def _produce(self, qty):
        form = Form(self.env["mrp.production"].with_user(self.mrp_user))
        form.product_id = self.tablet
        form.bom_id = self.bom
        form.product_qty = qty
        production = form.save()
        production.action_confirm()
        production.action_assign()
        form = Form(production)
        form.qty_producing = qty
        production = form.save()
        production.move_raw_ids.picked = True
        production.button_mark_done()
        self.assertEqual(production.state, "done")
        return production

    def _events(self, production):
        moves = production.move_raw_ids | production.move_finished_ids
        return self.env["stock.sync.event"].search(
            [("move_line_id", "in", moves.move_line_ids.ids)]
        )

    def test_consumption_production_and_byproduct_carry_their_order(self):
        self.receive([(self.product, 10)])
        production = self._produce(3)
        by_role = {e.payload["data"]["manufacturing"]["role"]: e for e in self._events(production)}
        self.assertEqual(set(by_role), {"component", "finished", "byproduct"})
        self.assertEventMatchesSchema(by_role["component"])
        component = by_role["component"].payload["data"]
        self.assertEqual(component["operation"], "consumption")
        self.assertEqual(component["quantity"], 6.0)
        self.assertEqual(component["location_from"]["on_hand"], 4.0)
        self.assertEqual(component["manufacturing"]["production"]["name"], production.name)
        self.assertEqual(component["manufacturing"]["bom"]["code"], "BOM-TAB")
        self.assertEqual(component["reference"], production.name)
        finished = by_role["finished"].payload["data"]
        self.assertEqual((finished["operation"], finished["quantity"]), ("production", 3.0))
        self.assertEqual(finished["location_to"]["on_hand"], 3.0)
        self.assertEqual(by_role["byproduct"].payload["data"]["product"]["default_code"], "DUST")
        self.assertEqual(by_role["byproduct"].operation, "production")
        self.assertOutboxMatchesStockLedger()

    def test_unbuild_events(self):
        self.receive([(self.product, 10)])
        production = self._produce(2)
        unbuild = (
            self.env["mrp.unbuild"]
            .with_user(self.mrp_user)
            .create(
                {
                    "product_id": self.tablet.id,
                    "mo_id": production.id,
                    "product_qty": 1,
                    "bom_id": self.bom.id,
                }
            )
        )
        unbuild.action_unbuild()
        events = self.env["stock.sync.event"].search(
            [
                (
                    "move_line_id",
                    "in",
                    (unbuild.produce_line_ids | unbuild.consume_line_ids).move_line_ids.ids,
                )
            ]
        )
        roles = sorted(e.payload["data"]["manufacturing"]["role"] for e in events)
        self.assertIn("unbuilt_product", roles)
        self.assertIn("recovered_component", roles)
        self.assertEqual(set(events.mapped("operation")), {"unbuild"})
        for event in events:
            self.assertEventMatchesSchema(event)
            self.assertEqual(
                event.payload["data"]["manufacturing"]["unbuild"]["name"], unbuild.name
            )
        self.assertOutboxMatchesStockLedger()
