"""Tolerances, auto-acceptance, and who may approve what."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestToleranceApproval(ReconciliationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env["stock.sync.reconciliation.tolerance"].create(
            {
                "name": "Critical: 2 units",
                "categ_id": cls.categ_critical.id,
                "abs_qty": 2,
                "auto_accept": True,
            }
        )
        cls.shelf_rule = cls.env["stock.sync.reconciliation.tolerance"].create(
            {"name": "Shelf A: 10 %", "location_id": cls.shelf.id, "percent": 10}
        )

    def test_within_tolerance_is_auto_accepted_and_applied_without_approval(self):
        self.stock_up(self.product, 100)
        self.stock_up(self.carton, 50, self.shelf)
        run = self.import_snapshot(
            self.csv_file(
                [
                    ("EXT-API", "WH-STOCK", "", "", "99", ""),
                    ("EXT-PKG", "SHELF-A", "", "", "46", ""),
                ]
            )
        )
        self.assertRecordValues(
            self.line(run, self.product),
            [{"within_tolerance": True, "decision": "auto", "tolerance_id": self.rule.id}],
        )
        # The location's rule wins over the company-wide absence of one; within, not auto.
        self.assertRecordValues(
            self.line(run, self.carton),
            [
                {
                    "within_tolerance": True,
                    "decision": "to_review",
                    "tolerance_id": self.shelf_rule.id,
                }
            ],
        )
        self.assertEqual(run.accuracy, 100.0)
        run.with_user(self.recon_user).action_apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 99)
        self.assertEqual(self.on_hand(self.carton, self.shelf), 50, "still to review: untouched")
        self.assertOutboxMatchesStockLedger()

    def test_beyond_tolerance_accuracy(self):
        self.stock_up(self.product, 100)
        self.stock_up(self.carton, 50, self.shelf)
        run = self.import_snapshot(
            self.csv_file(
                [
                    ("EXT-API", "WH-STOCK", "", "", "90", ""),
                    ("EXT-PKG", "SHELF-A", "", "", "46", ""),
                ]
            )
        )
        self.assertEqual(self.line(run, self.product).decision, "to_review")
        self.assertEqual(run.accuracy, 50.0)

    def test_value_threshold_needs_a_manager(self):
        self.stock_up(self.product, 100)  # 10 each: 60 missing are worth 600 > 500
        self.stock_up(self.carton, 10)
        run = self.import_snapshot(
            self.csv_file(
                [
                    ("EXT-API", "WH-STOCK", "", "", "40", ""),
                    ("EXT-PKG", "WH-STOCK", "", "", "5", ""),
                ]
            )
        )
        big, small = self.line(run, self.product), self.line(run, self.carton)
        self.assertTrue(big.needs_manager)
        self.assertFalse(small.needs_manager)
        with self.assertRaisesRegex(AccessError, "only an Inventory Sync Manager"):
            big.with_user(self.recon_user).action_approve()
        self.assertEqual(big.decision, "to_review")
        small.with_user(self.recon_user).action_approve()
        big.with_user(self.recon_manager).action_approve()
        self.assertRecordValues(
            big, [{"decision": "approved", "approved_by_id": self.recon_manager.id}]
        )
        self.assertEqual(run.state, "compared")

    def test_user_without_sync_rights_cannot_approve(self):
        self.stock_up(self.carton, 10)
        run = self.import_snapshot(self.csv_file([("EXT-PKG", "WH-STOCK", "", "", "5", "")]))
        operator = new_test_user(self.env, "recon_operator", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            self.line(run, self.carton).with_user(operator).action_approve()
        with self.assertRaises(AccessError):
            run.with_user(operator).action_apply()
        self.assertEqual(self.line(run, self.carton).decision, "to_review")
