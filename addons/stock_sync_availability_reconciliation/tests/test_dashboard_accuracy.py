"""Inventory record accuracy of the latest reconciliations on the planner dashboard."""

import datetime

from odoo import fields
from odoo.tests import tagged

from odoo.addons.stock_sync_availability.tests.common import AvailabilityCase


@tagged("post_install", "-at_install")
class TestDashboardAccuracy(AvailabilityCase):
    """WH: a run of 2 days ago (90 %), one of an hour ago (98.5 %, applied) and a draft of now;
    WH2: one run waiting for approval (92 %) and a cancelled one. The tile shows, per
    warehouse, the latest run that compared: WH 98.5 %, WH2 92.0 % (under 95 %: flagged)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()

        def run(warehouse, hours_ago, state, accuracy, differences=0):
            record = cls.env["stock.sync.reconciliation"].create(
                {
                    "warehouse_id": warehouse.id,
                    "as_of": now - datetime.timedelta(hours=hours_ago),
                }
            )
            # the comparison's figures, as services/compare writes them
            record.write({"state": state, "accuracy": accuracy, "difference_count": differences})
            return record

        cls.old = run(cls.warehouse, 48, "compared", 90.0, 12)
        cls.latest = run(cls.warehouse, 1, "applied", 98.5, 2)
        cls.draft = run(cls.warehouse, 0, "draft", 0.0)
        cls.waiting = run(cls.warehouse2, 3, "to_approve", 92.0, 7)
        cls.cancelled = run(cls.warehouse2, 2, "cancel", 50.0, 40)

    def tile(self, user=None):
        data = self.env["stock.sync.dashboard"].with_user(user or self.planner).get_dashboard_data()
        return {tile["key"]: tile for tile in data["tiles"]}.get("record_accuracy")

    def opened(self, cell):
        action = cell["action"]
        return self.env[action["res_model"]].with_user(self.planner).search(action["domain"])

    def test_latest_run_per_warehouse(self):
        tile = self.tile()
        rows = {row[0]["value"]: row for row in tile["rows"]}
        self.assertEqual(set(rows), {self.warehouse.name, self.warehouse2.name})
        _wh, accuracy, differences, _as_of = rows[self.warehouse.name]
        self.assertEqual(
            (accuracy["raw"], accuracy["value"], differences["raw"]), (98.5, "98.5 %", 2)
        )
        self.assertIsNone(accuracy["level"])
        self.assertEqual(self.opened(accuracy), self.latest)
        _wh, accuracy, differences, _as_of = rows[self.warehouse2.name]
        self.assertEqual((accuracy["raw"], differences["raw"]), (92.0, 7))
        self.assertEqual(accuracy["level"], "warning")
        self.assertEqual(self.opened(accuracy), self.waiting)
        self.assertEqual(self.opened(tile), self.old | self.latest | self.waiting)

    def test_hidden_from_users_without_sync_rights(self):
        self.assertIsNone(self.tile(self.operator))
