from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestAlertRecipients(StockSyncCase):
    """Alerts about an endpoint reach the managers who may see its company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Plant B"})
        cls.manager_b = cls.sync_manager_of("sync_manager_b", cls.company_b)

    def test_company_endpoint_alerts_its_company_managers_only(self):
        self.endpoint.company_id = self.company
        self.endpoint._alert_managers("dead", "HTTP 422.")
        told = self.endpoint.activity_ids.user_id
        self.assertIn(self.sync_manager, told)
        self.assertNotIn(self.manager_b, told)
        self.endpoint._alert_managers("problem", "HTTP 401.")
        self.assertNotIn(self.manager_b, self.endpoint.activity_ids.user_id)

    def test_shared_endpoint_alerts_every_manager(self):
        self.endpoint._alert_managers("dead", "HTTP 422.")
        told = self.endpoint.activity_ids.user_id
        self.assertIn(self.sync_manager, told)
        self.assertIn(self.manager_b, told)
