# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The handheld screen in headless Chromium: a shop floor operator at 360 px wide."""

from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged


class HandheldTourCase(HttpCase):
    """A confirmed order of 2 Tour Pumps needing 4 Tour Bolts each (8 bolts)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock = warehouse.lot_stock_id
        cls.bolt = cls.env["product.product"].create(
            {"name": "Tour Bolt", "is_storable": True, "barcode": "TOUR-BOLT-01"}
        )
        cls.pump = cls.env["product.product"].create({"name": "Tour Pump", "is_storable": True})
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            {"product_id": cls.bolt.id, "location_id": cls.stock.id, "inventory_quantity": 20}
        ).action_apply_inventory()
        bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [Command.create({"product_id": cls.bolt.id, "product_qty": 4})],
            }
        )
        cls.production = cls.env["mrp.production"].create(
            {"product_id": cls.pump.id, "product_qty": 2, "bom_id": bom.id}
        )
        cls.production.action_confirm()

    def setUp(self):
        super().setUp()
        # Read every manifest once before the browser's parallel requests do
        # (CPython 3.11.7's ast.parse is not safe in two threads at once).
        self.assertIn("mrp_barcode_consumption", http.root.statics)

    def bolts_on_hand(self):
        self.bolt.invalidate_recordset()
        return self.bolt.with_context(location=self.stock.id).qty_available

    def bolts_remaining(self):
        self.production.invalidate_recordset()
        (row,) = [c for c in self.production._scan_components() if c["product_id"] == self.bolt.id]
        return row["remaining"]


@tagged("post_install", "-at_install", "suite_ui")
class TestHandheldTour(HandheldTourCase):
    browser_size = "360x740"
    touch_enabled = True

    def test_operator_scans_sees_remaining_gets_a_reason_and_undoes(self):
        operator = new_test_user(
            self.env,
            "tour_operator",
            groups="mrp_barcode_consumption.group_shop_floor_operator",
        )
        menus = self.env["ir.ui.menu"].with_user(operator)._visible_menu_ids()
        self.assertIn(self.env.ref("mrp_barcode_consumption.menu_handheld_scan_root").id, menus)
        self.assertNotIn(self.env.ref("mrp.menu_mrp_root").id, menus)

        self.start_tour(
            "/odoo/scan-components", "mrp_barcode_consumption_handheld", login="tour_operator"
        )

        # 1 wedge scan + 2 typed, the 2 undone: 1 bolt consumed, on-hand at once
        self.assertEqual(self.bolts_remaining(), 7)
        self.assertEqual(self.bolts_on_hand(), 19)
        scans = self.env["mrp.barcode.scan"].search([("production_id", "=", self.production.id)])
        self.assertEqual(set(scans.mapped("user_id")), {operator})
        self.assertIn("unknown_barcode", scans.mapped("code"))
        self.assertEqual(len(set(scans.mapped("device_id"))), 1, "one handheld, one device id")


@tagged("post_install", "-at_install", "suite_ui")
class TestHandheldFromOrder(HandheldTourCase):
    def test_manufacturing_user_opens_the_screen_from_the_order(self):
        new_test_user(self.env, "tour_planner", groups="mrp.group_mrp_user")
        self.start_tour(
            f"/odoo/manufacturing/{self.production.id}",
            "mrp_barcode_consumption_from_order",
            login="tour_planner",
        )
        self.assertEqual(self.bolts_remaining(), 7)
        self.assertEqual(self.bolts_on_hand(), 19)
