from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import StockSyncCase

LOCAL_URLS = (
    "http://127.0.0.1:8069/web",
    "http://127.1/",
    "http://2130706433/",
    "http://localhost:8080/in",
    "http://api.localhost/in",
    "http://[::1]:8069/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1%25eth0]/in",
    "http://0.0.0.0:8069/",
    "http://[::]/",
)


@tagged("post_install", "-at_install")
class TestLocalUrls(StockSyncCase):
    """A manager cannot point an endpoint at this server or its link-local neighbours
    (cloud metadata), whose answers sync users could read, unless allowed."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("stock_sync.allow_local_urls", False)
        self.Endpoint = self.env["stock.sync.endpoint"].with_user(self.sync_manager)

    def test_local_addresses_are_refused(self):
        for url in LOCAL_URLS:
            with (
                self.subTest(url=url),
                self.assertRaisesRegex(ValidationError, "stock_sync.allow_local_urls"),
                self.env.cr.savepoint(),
            ):
                self.Endpoint.create({"name": "Local", "url": url})
        with (
            self.assertRaisesRegex(ValidationError, "loopback, link-local"),
            self.env.cr.savepoint(),
        ):
            self.endpoint.with_user(self.sync_manager).url = "http://169.254.169.254/"

    def test_private_networks_and_names_are_allowed(self):
        for url in (
            "http://10.1.2.3:8080/in",
            "http://192.168.10.4/in",
            "http://172.16.0.9/in",
            "http://[fd00::12]/in",
            "https://wms.example.com/in",
        ):
            self.Endpoint.create({"name": "On premises", "url": url})

    def test_an_administrator_may_allow_them(self):
        self.env["ir.config_parameter"].set_param("stock_sync.allow_local_urls", "True")
        endpoint = self.Endpoint.create({"name": "Demo", "url": "http://127.0.0.1:8765/events"})
        self.assertEqual(endpoint.url, "http://127.0.0.1:8765/events")
