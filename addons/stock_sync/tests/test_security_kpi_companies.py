from odoo import fields
from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestKpiCompanies(StockSyncCase):
    """A shared endpoint's KPI figures count the deliveries of the reader's companies only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Plant B"})
        cls.manager_b = cls.sync_manager_of("sync_manager_b", cls.company_b)
        cls.manager_ab = cls.sync_manager_of("sync_manager_ab", cls.company | cls.company_b)

    def setUp(self):
        super().setUp()
        for qty in (1, 2, 3, 4):
            self.receive([(self.product, qty)])
        self.number_events()  # their deliveries are written then
        deliveries = self.env["stock.sync.delivery"].search(
            [("endpoint_id", "=", self.endpoint.id)], order="sequence"
        )
        now = fields.Datetime.now()
        # Company A: one delivered at the first try in 0.1 s, one dead after 5 attempts.
        deliveries[0].write(
            {"state": "delivered", "attempts": 1, "latency_ms": 100, "last_attempt_at": now}
        )
        deliveries[1].write({"state": "dead", "attempts": 5, "last_attempt_at": now})
        # Company B: two delivered, after 2 attempts each, in 9 s.
        deliveries[2:].write(
            {
                "company_id": self.company_b.id,
                "state": "delivered",
                "attempts": 2,
                "latency_ms": 9000,
                "last_attempt_at": now,
            }
        )
        self.env.flush_all()

    def _figures(self, user, companies=None):
        endpoint = self.endpoint.with_user(user)
        if companies:
            endpoint = endpoint.with_context(allowed_company_ids=companies.ids)
        return (endpoint.kpi_dead, endpoint.kpi_failure_rate, endpoint.kpi_latency_p95)

    def test_endpoint_form_counts_the_users_companies(self):
        self.assertEqual(self._figures(self.manager_b), (0, 50.0, 9.0))
        dead, failure_rate, p95 = self._figures(self.sync_manager)
        self.assertEqual(dead, 1)
        self.assertAlmostEqual(failure_rate, 5 / 6 * 100)
        self.assertAlmostEqual(p95, 0.1)
        # The companies switched on in the company switcher, not all the allowed ones.
        self.assertEqual(self._figures(self.manager_ab, self.company_b), (0, 50.0, 9.0))
        dead, failure_rate, _p95 = self._figures(self.manager_ab, self.company | self.company_b)
        self.assertEqual(dead, 1)
        self.assertAlmostEqual(failure_rate, 7 / 10 * 100)

    def test_kpi_report_rows_follow_companies(self):
        rows = self.env["stock.sync.kpi"].with_user(self.manager_b).search([])
        self.assertEqual(rows.company_id, self.company_b)
        self.assertEqual(sum(rows.mapped("deliveries")), 2)
