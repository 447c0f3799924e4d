"""Anomaly flags: a key whose variance repeats across runs, or jumps beyond its own history."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestAnomaly(ReconciliationCase):
    def test_repeats_and_jump(self):
        receipt = self.stock_up(self.product, 100)
        self.backdate(receipt, timedelta(days=30))
        now = fields.Datetime.now()
        for days, counted in ((5, "99"), (4, "101"), (3, "100"), (2, "98")):
            run = self.import_snapshot(
                self.csv_file([("API-001", "", "", "", counted, "")]),
                backend_id=False,
                full_snapshot=False,
                as_of=now - timedelta(days=days),
            )
        self.assertIn(
            "repeats: a difference in 2 of the last 3 runs", self.line(run, self.product).anomaly
        )
        run = self.import_snapshot(
            self.csv_file([("API-001", "", "", "", "60", "")]),
            backend_id=False,
            full_snapshot=False,
            as_of=now - timedelta(days=1),
        )
        anomaly = self.line(run, self.product).anomaly
        self.assertIn("repeats: a difference in 3 of the last 4 runs", anomaly)
        self.assertRegex(anomaly, r"jump: z = -\d+\.\d over 4 runs")
        self.assertEqual(run.anomaly_count, 1)
