"""Held stock against a snapshot's statuses, bucket by bucket."""

from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync_reconciliation.tests.common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestBucketCompare(ReconciliationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env, "recon_quality_manager", groups="stock_quality_hold.group_quality_manager"
        )
        cls.reason = cls.env["stock.quality.hold.reason"].create(
            {"name": "Damaged in transit", "code": "recon_damaged"}
        )

    def hold(self, product, quantity):
        self.stock_up(product, quantity)
        quant = self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.stock.id)]
        )
        quant.with_user(self.quality_manager)._quality_action(
            "hold", self.reason, bucket="quarantine"
        )
        self.assertEqual(self.on_hand(product, self.warehouse.quarantine_location_id), quantity)

    def test_held_on_both_sides_matches(self):
        self.hold(self.product, 4)
        run = self.import_snapshot(self.csv_file([("EXT-API", "WH-STOCK", "", "blocked", "4", "")]))
        self.assertFalse(run.line_ids)
        self.assertEqual(run.accuracy, 100.0)

    def test_held_here_free_there_is_a_status_mismatch(self):
        self.hold(self.product, 4)
        run = self.import_snapshot(
            self.csv_file([("EXT-API", "WH-STOCK", "", "available", "4", "")])
        )
        lines = self.line(run, self.product)
        self.assertEqual(lines.mapped("diff_class"), ["status", "status"])
        self.assertEqual(
            {(line.location_id, line.bucket, line.correction_qty) for line in lines},
            {
                (self.stock, "available", 4.0),
                (self.warehouse.quarantine_location_id, "quarantine", -4.0),
            },
        )
        self.assertTrue(all("as " in line.hint for line in lines))
        lines.with_user(self.recon_manager).action_approve()
        run.with_user(self.recon_manager).action_apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 4)
        self.assertEqual(self.on_hand(self.product, self.warehouse.quarantine_location_id), 0)
        self.assertOutboxMatchesStockLedger()
