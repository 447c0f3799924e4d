from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestSharedEndpoints(StockSyncCase):
    """A shared endpoint (no company) carries several companies' events: only a manager
    allowed in every company it concerns, or an administrator, may change it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Plant B"})
        cls.manager_b = cls.sync_manager_of("sync_manager_b", cls.company_b)
        cls.manager_ab = cls.sync_manager_of("sync_manager_ab", cls.company | cls.company_b)
        cls.admin = new_test_user(
            cls.env,
            "sync_admin_a",
            groups="stock_sync.group_stock_sync_manager,base.group_system",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.endpoint_b = cls.env["stock.sync.endpoint"].create(
            {
                "name": "Plant B WMS",
                "url": "https://wms-b.example.com/in",
                "company_id": cls.company_b.id,
            }
        )

    def test_a_manager_of_one_company_cannot_repoint_a_shared_stream(self):
        shared = self.endpoint.with_user(self.manager_b)
        self.assertEqual(shared.name, "Test WMS", "they still see it")
        with self.assertRaises(AccessError):
            shared.write({"url": "https://evil.example.com/steal"})
        with self.assertRaises(AccessError):
            shared.action_generate_secret()
        with self.assertRaises(AccessError):
            shared.unlink()
        self.assertFalse(shared.secret_ids, "nor read its secrets")
        Endpoint = self.env["stock.sync.endpoint"].with_user(self.manager_b)
        with self.assertRaises(AccessError):
            Endpoint.create({"name": "Everything", "url": "https://evil.example.com/all"})
        self.assertEqual(self.endpoint.url, "http://127.0.0.1:9/events")

    def test_nor_move_its_own_endpoint_to_other_companies(self):
        own = self.endpoint_b.with_user(self.manager_b)
        own.write({"url": "https://wms-b.example.com/v2"})
        for vals in (
            {"company_id": False},
            {"company_id": self.company.id},
        ):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                own.write(vals)
        self.assertEqual(self.endpoint_b.company_id, self.company_b)

    def test_a_shared_endpoint_of_own_companies_only_is_theirs(self):
        Endpoint = self.env["stock.sync.endpoint"].with_user(self.manager_b)
        only_b = Endpoint.create(
            {
                "name": "B only, shared",
                "url": "https://wms-b.example.com/shared",
                "filter_company_ids": [Command.set(self.company_b.ids)],
            }
        )
        only_b.action_generate_secret()
        self.assertTrue(only_b.secret_ids.secret)
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            only_b.write({"filter_company_ids": [Command.link(self.company.id)]})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            only_b.write({"filter_company_ids": [Command.clear()]})

    def test_managers_of_every_company_and_administrators_may(self):
        self.endpoint.with_user(self.manager_ab).write({"url": "https://wms.example.com/in"})
        self.assertTrue(self.endpoint.with_user(self.manager_ab).secret_ids)
        self.endpoint.with_user(self.admin).write({"url": "https://wms.example.com/v2"})
        self.assertEqual(self.endpoint.url, "https://wms.example.com/v2")
        # A manager of the main company alone no longer is one of every company.
        with self.assertRaises(AccessError):
            self.endpoint.with_user(self.sync_manager).write({"timeout": 3})
