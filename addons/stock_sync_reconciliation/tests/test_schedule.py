"""Runs in the background with progress, and a backend's scheduled reconciliation."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestSchedule(ReconciliationCase):
    def test_background_compare_reports_progress(self):
        self.stock_up(self.product, 10)
        run = self.import_snapshot(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "8", "")]), full_snapshot=False
        )
        run.line_ids.sudo().unlink()
        run.with_user(self.recon_user).action_compare_background()
        self.assertTrue(run.queued)
        seen = []
        report = type(run)._report_progress

        def spy(self_run, percent, message):
            seen.append(percent)
            return report(self_run, percent, message)

        with patch.object(type(run), "_report_progress", spy):
            self.env["stock.sync.reconciliation"]._cron_compare_queued()
        run.invalidate_recordset()
        self.assertFalse(run.queued)
        self.assertEqual(seen[-1], 100)
        self.assertEqual(seen, sorted(seen), "progress only goes forward")
        self.assertRecordValues(run, [{"progress": 100, "difference_count": 1}])

    def test_cadence_makes_one_scheduled_action(self):
        self.backend.recon_cadence = "daily"
        cron = self.backend.recon_cron_id
        self.assertRecordValues(
            cron, [{"active": True, "interval_number": 1, "interval_type": "days"}]
        )
        self.backend.recon_cadence = "hourly"
        self.assertEqual(cron.interval_type, "hours")
        self.backend.recon_cadence = "none"
        self.assertFalse(cron.active)

    def test_scheduled_pull_pages_and_compares(self):
        self.stock_up(self.product, 10)
        self.backend.write(
            {
                "recon_cadence": "daily",
                "recon_page_size": 1,
                "recon_warehouse_id": self.warehouse.id,
            }
        )
        pages = {
            None: ([{"sku": "EXT-API", "location": "WH-STOCK", "quantity": 6}], "p2"),
            "p2": ([{"sku": "EXT-PKG", "location": "WH-STOCK", "quantity": 0}], None),
        }
        calls = []

        def fetch(backend, cursor, limit):
            calls.append((cursor, limit))
            return pages[cursor]

        with patch.object(type(self.backend), f"_{self.kind}_fetch_snapshot", fetch, create=True):
            self.env["stock.sync.backend"]._cron_reconcile(self.backend.id)
        self.assertEqual(calls, [(None, 1), ("p2", 1)])
        run = self.backend.reconciliation_ids
        self.assertEqual(len(run), 1)
        self.assertRecordValues(self.line(run, self.product), [{"qty_odoo": 10, "qty_external": 6}])

    def test_scheduled_pull_without_the_protocol_says_so(self):
        self.backend.recon_cadence = "daily"
        # A protocol module that cannot pull snapshots (the attribute absent).
        with patch.object(type(self.backend), f"_{self.kind}_fetch_snapshot", None, create=True):
            self.assertIsNone(self.backend._reconcile())
        self.assertFalse(self.backend.reconciliation_ids)
        self.assertIn("cannot fetch_snapshot", self.backend.message_ids[:1].body)
