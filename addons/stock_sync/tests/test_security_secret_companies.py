from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestSecretCompanies(StockSyncCase):
    """A manager limited to company B never reads company A's signing secrets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Plant B"})
        cls.manager_b = cls.sync_manager_of("sync_manager_b", cls.company_b)
        cls.endpoint.company_id = cls.company
        cls.endpoint_b = cls.env["stock.sync.endpoint"].create(
            {
                "name": "Plant B WMS",
                "url": "https://wms-b.example.com/in",
                "company_id": cls.company_b.id,
                "secret_ids": [Command.create({})],
            }
        )

    def test_manager_of_b_cannot_read_secrets_of_a(self):
        secret_a = self.endpoint.secret_ids
        Secret = self.env["stock.sync.endpoint.secret"].with_user(self.manager_b)
        self.assertEqual(Secret.search([]), self.endpoint_b.secret_ids)
        self.assertFalse(Secret.search([("secret", "=", secret_a.secret)]))
        with self.assertRaises(AccessError):
            Secret.browse(secret_a.id).read(["secret"])
        with self.assertRaises(AccessError):
            Secret.browse(secret_a.id).write({"active": False})
        with self.assertRaises(AccessError):
            Secret.create({"endpoint_id": self.endpoint.id})
        with self.assertRaises(AccessError):
            Secret.browse(self.endpoint_b.secret_ids.id).write({"endpoint_id": self.endpoint.id})

    def test_managers_keep_their_own_company_secrets(self):
        own = self.endpoint_b.with_user(self.manager_b)
        self.assertTrue(own.secret_ids.secret.startswith("whsec_"))
        own.action_generate_secret()
        self.assertEqual(len(own.secret_ids), 2)
        mine = self.endpoint.with_user(self.sync_manager)
        self.assertTrue(mine.secret_ids.secret.startswith("whsec_"))
