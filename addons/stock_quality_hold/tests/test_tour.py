from odoo import Command, http
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "suite_ui")
class TestReleaseTour(HttpCase):
    def setUp(self):
        super().setUp()
        # Read every manifest once before the browser's parallel requests do
        # (CPython 3.11.7's ast.parse is not safe in two threads at once).
        self.assertIn("stock_quality_hold", http.root.statics)

    def test_quality_manager_releases_a_held_lot(self):
        admin = self.env.ref("base.user_admin")
        admin.groups_id = [
            Command.link(self.env.ref("stock.group_production_lot").id),
            Command.link(self.env.ref("stock_quality_hold.group_quality_manager").id),
        ]
        product = self.env["product.product"].create(
            {"name": "Tour Resin", "is_storable": True, "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "TOUR-LOT-1", "product_id": product.id})
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": product.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "lot_id": lot.id,
                    "inventory_quantity": 4,
                }
            )
        )
        quant.action_apply_inventory()
        reason = self.env["stock.quality.hold.reason"].create(
            {"name": "Contamination suspected", "code": "tour_contamination"}
        )
        quant.with_user(admin)._quality_action("hold", reason, bucket="quarantine")
        self.assertEqual(lot.quality_status, "quarantined")
        self.start_tour(
            "/odoo/action-stock.action_production_lot_form",
            "stock_quality_hold_release",
            login="admin",
        )
        self.assertEqual(lot.quality_status, "released")
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", warehouse.lot_stock_id.id)]
        )
        self.assertEqual(sum(quants.mapped("quantity")), 4)
