from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestHoldAging(QualityHoldCase):
    def test_held_stock_says_since_when_and_why_oldest_first(self):
        old_lot, new_lot = self.lot("LOT-AGE-OLD"), self.lot("LOT-AGE-NEW")
        self.put(self.lot_product, 6, lot=old_lot)
        self.put(self.lot_product, 2, lot=new_lot)
        self.put(self.product, 5)
        self.hold(self.quants(self.lot_product, self.stock, old_lot), bucket="quarantine")
        quarantine = self.warehouse.quarantine_location_id
        held_old = self.quants(self.lot_product, quarantine, old_lot)
        self.assertEqual(held_old.quality_reason_id, self.reason)
        self.assertTrue(held_old.quality_held_since)
        # the first hold happened a week ago: the report shows what waited longest first
        week_ago = fields.Datetime.now() - timedelta(days=7)
        held_old.sudo().quality_held_since = week_ago
        self.hold(self.quants(self.lot_product, self.stock, new_lot), reason=self.reason_recall)
        held_new = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, new_lot)
        self.assertEqual(held_new.quality_reason_id, self.reason_recall)
        # more of a held lot merges into its quant: the age stays the oldest hold's
        self.put(self.lot_product, 1, lot=old_lot)
        self.hold(self.quants(self.lot_product, self.stock, old_lot), bucket="quarantine")
        self.assertEqual(held_old.quantity, 7)
        self.assertEqual(held_old.quality_held_since, week_ago)
        # a rejection is a new stay, in another bucket, with its own reason
        self.reject(held_new)
        rejected = self.quants(self.lot_product, self.warehouse.rejected_location_id, new_lot)
        self.assertEqual(rejected.quality_reason_id, self.reason_failed)
        self.assertGreater(rejected.quality_held_since, week_ago)
        # the planners' report, as a stock user reads it
        action = self.env.ref("stock_quality_hold.stock_quality_hold_aging_action")
        domain = safe_eval(action.domain)
        view = self.env.ref("stock_quality_hold.stock_quant_view_list_quality_hold")
        self.assertIn('default_order="quality_held_since, id"', view.arch_db)
        report = (
            self.env["stock.quant"]
            .with_user(self.operator)
            .search(
                domain + [("product_id", "=", self.lot_product.id)], order="quality_held_since, id"
            )
        )
        self.assertEqual(report.lot_id.mapped("name"), ["LOT-AGE-OLD", "LOT-AGE-NEW"])
        self.assertEqual(report.mapped("quality_bucket"), ["quarantine", "rejected"])
        # released stock leaves the report
        self.release(held_old)
        self.assertFalse(
            self.env["stock.quant"].search(domain + [("lot_id", "=", old_lot.id)]),
            "nothing of the released lot is held",
        )
