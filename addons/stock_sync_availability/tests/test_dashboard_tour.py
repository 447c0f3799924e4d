"""The planner dashboard in a browser, as an Inventory Sync user (the least rights that see it)."""

from odoo import http
from odoo.tests import HttpCase, tagged

from .common import AvailabilityCase
from .dashboard_common import DashboardScenario


@tagged("post_install", "-at_install", "suite_ui")
class TestPlannerDashboardTour(DashboardScenario, AvailabilityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build_dashboard_scenario()

    def setUp(self):
        super().setUp()
        # Read every manifest once before the browser's parallel requests do
        # (CPython 3.11.7's ast.parse is not safe in two threads at once).
        self.assertIn("stock_sync_availability", http.root.statics)

    def test_planner_opens_the_records_behind_figures(self):
        self.start_tour(
            "/odoo/action-stock_sync_availability.action_planner_dashboard",
            "stock_sync_availability_planner_dashboard",
            login=self.planner.login,
        )
