from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "suite_ui")
class TestReconciliationTour(HttpCase):
    def setUp(self):
        super().setUp()
        # Read every manifest once before the browser's parallel requests do
        # (CPython 3.11.7's ast.parse is not safe in two threads at once).
        self.assertIn("stock_sync_reconciliation", http.root.statics)

    def test_upload_review_approve_apply(self):
        """An Inventory Sync manager uploads a CSV, reads the hints, approves one, applies it."""
        new_test_user(
            self.env,
            "recon_tour_manager",
            password="recon_tour_manager",
            groups="stock_sync.group_stock_sync_manager",
        )
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        products = self.env["product.product"].create(
            [
                {
                    "name": "Tour Valve",
                    "default_code": "TOUR-1",
                    "is_storable": True,
                    "standard_price": 3,
                },
                {
                    "name": "Tour Gasket",
                    "default_code": "TOUR-2",
                    "is_storable": True,
                    "standard_price": 1,
                },
            ]
        )
        quants = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                [
                    {
                        "product_id": products[0].id,
                        "location_id": warehouse.lot_stock_id.id,
                        "inventory_quantity": 20,
                    },
                    {
                        "product_id": products[1].id,
                        "location_id": warehouse.lot_stock_id.id,
                        "inventory_quantity": 24,
                    },
                ]
            )
        )
        quants.action_apply_inventory()
        self.start_tour(
            "/odoo/action-stock_sync_reconciliation.action_stock_sync_reconciliation",
            "stock_sync_reconciliation_tour",
            login="recon_tour_manager",
        )
        run = self.env["stock.sync.reconciliation"].search(
            [("file_name", "=", "tour_snapshot.csv")]
        )
        self.assertEqual(run.state, "applied")
        self.assertEqual(
            sum(
                self.env["stock.quant"]
                .search(
                    [
                        ("product_id", "=", products[0].id),
                        ("location_id", "=", warehouse.lot_stock_id.id),
                    ]
                )
                .mapped("quantity")
            ),
            18,
        )
        self.assertEqual(
            sum(
                self.env["stock.quant"]
                .search(
                    [
                        ("product_id", "=", products[1].id),
                        ("location_id", "=", warehouse.lot_stock_id.id),
                    ]
                )
                .mapped("quantity")
            ),
            24,
        )
        self.assertEqual(run.move_ids.product_id, products[0])
