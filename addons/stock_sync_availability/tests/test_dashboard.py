"""The planner dashboard's figures, computed by hand, and the records each one opens."""

from odoo.tests import tagged

from .common import AvailabilityCase
from .dashboard_common import DashboardScenario


@tagged("post_install", "-at_install")
class TestPlannerDashboard(DashboardScenario, AvailabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build_dashboard_scenario()

    def dashboard(self, user=None):
        data = self.env["stock.sync.dashboard"].with_user(user or self.planner).get_dashboard_data()
        return {tile["key"]: tile for tile in data["tiles"]}

    def row(self, tile, label):
        rows = [row for row in tile["rows"] if row[0]["value"] == label]
        self.assertEqual(len(rows), 1, f"one row {label!r} in {tile['key']}")
        return rows[0]

    def opened(self, cell, user=None):
        """The records the figure's window action lists, searched as the user would."""
        action = cell["action"]
        self.assertEqual(action["type"], "ir.actions.act_window")
        return (
            self.env[action["res_model"]].with_user(user or self.planner).search(action["domain"])
        )

    def test_tiles_in_order(self):
        keys = list(self.dashboard())
        expected = ["sync_latency", "sync_backlog", "sync_failures", "oversell_risk"]
        self.assertEqual([key for key in keys if key in expected], expected)
        for tile in self.dashboard().values():
            self.assertTrue(tile["title"] and tile["headers"], tile["key"])

    def test_latency_per_endpoint(self):
        _label, p50, p95 = self.row(self.dashboard()["sync_latency"], "Test WMS")
        self.assertAlmostEqual(p50["raw"], 2.0)
        self.assertAlmostEqual(p95["raw"], 2.9)
        self.assertEqual(p95["value"], "2.90 s")
        # the deliveries behind it: delivered in the last 24 hours, not the old one
        self.assertEqual(self.opened(p50), self.delivered)
        self.assertEqual(self.opened(p95), self.delivered)

    def test_backlog_and_dead_letters(self):
        _label, backlog, oldest, dead = self.row(self.dashboard()["sync_backlog"], "Test WMS")
        self.assertEqual(len(self.counted), 2)
        self.assertEqual((backlog["raw"], dead["raw"]), (4, 1))
        self.assertEqual(self.opened(backlog), self.failed | self.pending | self.counted)
        self.assertEqual(self.opened(oldest), self.failed | self.pending | self.counted)
        self.assertEqual(self.opened(dead), self.dead)
        self.assertEqual(dead["level"], "danger")

    def test_failure_rate_by_error_class(self):
        tile = self.dashboard()["sync_failures"]
        self.assertIn(" 5 deliveries", tile["subtitle"])
        _label, count, rate = self.row(tile, "HTTP 4xx")
        self.assertEqual((count["raw"], rate["raw"], rate["value"]), (1, 20.0, "20.0 %"))
        self.assertEqual(self.opened(rate), self.dead)
        _label, count, rate = self.row(tile, "Timeout")
        self.assertEqual((count["raw"], rate["raw"]), (1, 20.0))
        self.assertEqual(self.opened(count), self.failed)
        self.assertEqual(len(tile["rows"]), 2)

    def test_oversell_risk_list(self):
        tile = self.dashboard()["oversell_risk"]
        self.assertEqual(len(tile["rows"]), 1, "only the risky product")
        product, channel, atp, shown, gap = tile["rows"][0]
        self.assertEqual(product["value"], self.risky.display_name)
        self.assertEqual(channel["value"], "Dashboard Shop")
        # 2 on hand - 5 planned tomorrow = -3 available; nothing shown; gap 3
        self.assertEqual((atp["raw"], shown["raw"], gap["raw"]), (-3.0, 0.0, 3.0))
        self.assertEqual(self.opened(gap), self.at_risk)
        self.assertEqual(self.opened(tile), self.at_risk)

    def test_other_company_not_counted(self):
        """The shared endpoint's delivery of the other company (100 s late) counts for its users only."""
        other = self.sync_manager_of("dashboard_other", self.company2)
        _label, p50, p95 = self.row(self.dashboard(other)["sync_latency"], "Test WMS")
        self.assertEqual((p50["raw"], p95["raw"]), (100.0, 100.0))
        self.assertEqual(self.opened(p95, other), self.foreign)
        self.assertEqual(self.dashboard(other)["oversell_risk"]["rows"], [])

    def test_stock_user_without_sync_rights(self):
        """A stock user may not read deliveries: the outbox's tiles are left out, no error."""
        keys = set(self.dashboard(self.operator))
        self.assertFalse(keys & {"sync_latency", "sync_backlog", "sync_failures"})
        self.assertIn("oversell_risk", keys)

    def test_every_figure_opens_records(self):
        for tile in self.dashboard().values():
            for row in tile["rows"]:
                for cell in row[1:]:
                    if cell["raw"]:
                        self.assertTrue(cell["action"], f"{tile['key']}: {cell['value']}")
                        self.assertTrue(self.opened(cell), f"{tile['key']}: {cell['value']}")
