from pathlib import Path

from odoo.tests import tagged

from .common import StockSyncCase

NEUTRALIZE = Path(__file__).resolve().parent.parent / "data" / "neutralize.sql"


@tagged("post_install", "-at_install")
class TestNeutralize(StockSyncCase):
    """A copied database (``odoo neutralize``) keeps no way to reach or sign for production."""

    def test_neutralize_clears_urls_and_secrets(self):
        production_url = "https://wms.example.com/odoo/events?token=prod-7f3a"
        self.endpoint.with_context(tracking_disable=False).url = production_url
        self.endpoint.action_generate_secret()
        secrets = self.endpoint.secret_ids
        self.assertEqual(len(secrets), 2)
        self.receive([(self.product, 1)])
        self.number_events()  # its delivery is written then
        self.env.cr.execute(NEUTRALIZE.read_text())
        self.env.invalidate_all()
        self.assertFalse(self.endpoint.active)
        self.assertEqual(set(self.endpoint.delivery_ids.mapped("state")), {"cancelled"})
        self.assertNotIn("wms.example.com", self.endpoint.url)
        self.assertIn(".invalid", self.endpoint.url, "a reserved name that never resolves")
        self.assertFalse(secrets.exists())
        # Nothing of the production URL is left in the table nor in the chatter's tracking.
        self.env.cr.execute(
            """
            SELECT count(*) FROM stock_sync_endpoint WHERE url LIKE %(needle)s
            UNION ALL
            SELECT count(*) FROM mail_tracking_value
             WHERE old_value_char LIKE %(needle)s OR new_value_char LIKE %(needle)s
            """,
            {"needle": "%prod-7f3a%"},
        )
        self.assertEqual([count for (count,) in self.env.cr.fetchall()], [0, 0])
        # A neutralized endpoint gets a new secret and a new URL like any other.
        self.endpoint.action_generate_secret()
        self.endpoint.write({"url": "https://wms-test.example.com/in", "active": True})
