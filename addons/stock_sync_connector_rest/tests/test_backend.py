"""Backends: Test Connection, authentication, secrets, neutralization."""

import time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestBackend(WmsCase):
    def check_connection(self, expect_ok=True, words="authenticated"):
        self.backend.with_user(self.sync_manager).action_test_connection()
        self.assertEqual(self.backend.last_test_ok, expect_ok, self.backend.last_test_result)
        self.assertIn(words, self.backend.last_test_result)

    def test_connection_with_the_api_key(self):
        self.check_connection()
        self.assertIn("/api/v1/ping", [call[1] for call in self.sim.calls])

    def test_wrong_credentials_and_unreachable_say_which(self):
        self.sim.api_key = "other"
        self.check_connection(False, "refused the credentials (HTTP 401)")
        self.backend.base_url = "http://127.0.0.1:9"
        self.check_connection(False, "Could not reach http://127.0.0.1:9")

    def test_oauth2_token_is_cached_until_it_expires(self):
        self.sim.oauth_client = ("odoo", "s3cret")
        self.backend.write(
            {
                "auth_type": "oauth2",
                "oauth_token_url": self.sim.url + "/oauth/token",
                "oauth_client_id": "odoo",
                "oauth_client_secret": "s3cret",
            }
        )
        self.check_connection()
        self.check_connection()
        self.assertEqual(self.sim.token_requests, 1)
        self.backend.oauth_client_secret = "wrong"
        self.check_connection(False, "refused the client credentials")

    def test_http_basic(self):
        self.sim.basic = ("odoo", "pw")
        self.backend.write({"auth_type": "basic", "username": "odoo", "password": "pw"})
        self.check_connection()

    def test_secrets_are_for_managers_only(self):
        backend = self.backend.with_user(self.sync_user)
        self.assertEqual(backend.name, "Test WMS (simulator)")
        for field in ("api_key", "webhook_secret", "password", "oauth_client_secret"):
            with self.assertRaises(AccessError):
                backend.invalidate_recordset()
                backend.read([field])
        self.assertEqual(self.backend.with_user(self.sync_manager).api_key, "sim-key")
        with self.assertRaises(AccessError):
            self.backend.with_user(self.inbound_user).read(["webhook_secret"])

    def test_the_rate_limit_spaces_requests(self):
        self.backend.rate_limit = 20
        started = time.monotonic()
        for _n in range(5):
            self.check_connection()
        self.assertGreaterEqual(time.monotonic() - started, 4 / 20)

    def test_backends_of_other_companies_are_invisible(self):
        other = self.env["res.company"].create({"name": "Other WMS Co"})
        manager = self.sync_manager_of("other_sync_manager", other)
        self.assertFalse(
            self.env["stock.sync.backend"].with_user(manager).search([("id", "=", self.backend.id)])
        )

    def test_neutralize_archives_backends_and_drops_secrets(self):
        with file_open("stock_sync_connector/data/neutralize.sql") as sql:
            self.env.cr.execute(sql.read())
        self.env.invalidate_all()
        self.assertRecordValues(
            self.backend,
            [{"active": False, "api_key": False, "webhook_secret": False, "poll_enabled": False}],
        )
        self.assertIn(".invalid", self.backend.base_url)
