from pathlib import Path

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestSecurity(StockSyncCase):
    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_stock_user_without_sync_group_sees_no_sync_menu_or_data(self):
        root = self.env.ref("stock_sync.menu_stock_sync_root")
        self.assertIn(self.env.ref("stock.menu_stock_root").id, self._visible_menus(self.operator))
        self.assertNotIn(root.id, self._visible_menus(self.operator))
        self.receive([(self.product, 1)])
        with self.assertRaises(AccessError):
            self.env["stock.sync.delivery"].with_user(self.operator).search([]).read(["state"])
        with self.assertRaises(AccessError):
            self.env["stock.sync.event"].with_user(self.operator).search([])

    def test_sync_user_works_the_queue_but_not_endpoints(self):
        visible = self._visible_menus(self.sync_user)
        self.assertIn(self.env.ref("stock_sync.menu_stock_sync_exception_queue").id, visible)
        self.assertNotIn(self.env.ref("stock_sync.menu_stock_sync_endpoint").id, visible)
        self.receive([(self.product, 1)])
        self.number_events()  # its delivery is written then
        deliveries = self.env["stock.sync.delivery"].with_user(self.sync_user).search([])
        self.assertTrue(deliveries)
        endpoint = self.endpoint.with_user(self.sync_user)
        self.assertEqual(endpoint.name, "Test WMS")
        with self.assertRaises(AccessError):
            endpoint.read(["url"])
        with self.assertRaises(AccessError):
            self.env["stock.sync.endpoint.secret"].with_user(self.sync_user).search([])
        with self.assertRaises(AccessError):
            endpoint.write({"timeout": 1})

    def test_manager_sees_secrets_that_stay_out_of_payloads(self):
        secret = self.endpoint.with_user(self.sync_manager).secret_ids.secret
        self.assertTrue(secret.startswith("whsec_"))
        picking = self.receive([(self.product, 1)])
        event = self.events_of(picking)
        self.assertNotIn(secret, event.payload_pretty)

    def test_multi_company_rules(self):
        other = self.env["res.company"].create({"name": "Plant Two"})
        outsider = new_test_user(
            self.env,
            "plant2_sync",
            groups="stock_sync.group_stock_sync_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.receive([(self.product, 1)])
        self.assertTrue(self.env["stock.sync.event"].with_user(self.sync_user).search_count([]))
        self.assertFalse(self.env["stock.sync.event"].with_user(outsider).search_count([]))
        self.assertFalse(self.env["stock.sync.delivery"].with_user(outsider).search_count([]))
        # A shared endpoint (no company) is visible to both, a company's one only to it.
        self.assertIn(self.endpoint, self.env["stock.sync.endpoint"].with_user(outsider).search([]))
        self.endpoint.company_id = self.company
        self.assertNotIn(
            self.endpoint, self.env["stock.sync.endpoint"].with_user(outsider).search([])
        )

    def test_a_company_endpoint_only_filters_within_its_company(self):
        other = self.env["res.company"].create({"name": "Plant Three"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        with (
            self.assertRaisesRegex(ValidationError, "only receives its events"),
            self.env.cr.savepoint(),
        ):
            self.endpoint.write(
                {"company_id": self.company.id, "filter_company_ids": [Command.set(other.ids)]}
            )
        with (
            self.assertRaisesRegex(ValidationError, "cannot name those of Plant Three"),
            self.env.cr.savepoint(),
        ):
            self.endpoint.write(
                {"company_id": self.company.id, "warehouse_ids": [Command.set(other_wh.ids)]}
            )
        # A shared endpoint may filter on any company's warehouses.
        self.endpoint.write({"warehouse_ids": [Command.set((other_wh | self.warehouse).ids)]})

    def test_endpoint_url_must_be_http(self):
        for url in (
            "ftp://wms.example.com/in",
            "wms.example.com/events",
            "file:///etc/passwd",
            "http://",
        ):
            with (
                self.assertRaisesRegex(ValidationError, "http:// or https://"),
                self.env.cr.savepoint(),
            ):
                self.env["stock.sync.endpoint"].create({"name": "Bad", "url": url})
        with (
            self.assertRaisesRegex(ValidationError, "http:// or https://"),
            self.env.cr.savepoint(),
        ):
            self.endpoint.url = "gopher://old"

    def test_secret_must_have_the_standard_form(self):
        for bad in ("plain-password", "whsec_not base64!", "whsec_c2hvcnQ="):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.env["stock.sync.endpoint.secret"].create(
                    {"endpoint_id": self.endpoint.id, "secret": bad}
                )

    def test_neutralize_deactivates_endpoints(self):
        sql = (Path(__file__).resolve().parent.parent / "data" / "neutralize.sql").read_text()
        self.receive([(self.product, 1)])
        self.number_events()  # its delivery is written then
        self.env.cr.execute(sql)
        self.env.invalidate_all()
        self.assertFalse(self.endpoint.active)
        self.assertEqual(set(self.endpoint.delivery_ids.mapped("state")), {"cancelled"})
