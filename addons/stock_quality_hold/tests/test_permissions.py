from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestPermissions(QualityHoldCase):
    def test_stock_users_hold_only_quality_managers_release_and_reject(self):
        lot = self.lot("LOT-P1")
        self.put(self.lot_product, 4, lot=lot)
        self.hold(self.quants(self.lot_product, self.stock, lot), user=self.operator)
        held = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, lot)
        with self.assertRaisesRegex(AccessError, "Only Quality Managers"):
            self.release(held, user=self.operator)
        with self.assertRaisesRegex(AccessError, "Only Quality Managers"):
            self.reject(held, user=self.operator)
        with self.assertRaisesRegex(AccessError, "Only Quality Managers"):
            lot.with_user(self.operator).action_quality_release(self.reason_passed)
        self.assertEqual(held.quantity, 4)
        self.release(held, user=self.quality_manager)
        self.assertEqual(lot.quality_status, "released")

    def test_history_and_reasons_are_read_only_for_stock_users(self):
        self.put(self.product, 2)
        histories, _skipped = self.hold(self.quants(self.product, self.stock))
        with self.assertRaises(AccessError):
            histories.with_user(self.operator).write({"quantity": 1})
        with self.assertRaises(AccessError):
            histories.with_user(self.operator).unlink()
        with self.assertRaises(AccessError):
            self.env["stock.quality.hold.history"].with_user(self.operator).create(
                {
                    "action": "release",
                    "user_id": self.operator.id,
                    "reason_id": self.reason.id,
                    "product_id": self.product.id,
                    "location_id": self.stock.id,
                    "location_dest_id": self.stock.id,
                    "company_id": self.company.id,
                }
            )
        with self.assertRaises(AccessError):
            self.reason.with_user(self.operator).write({"name": "Whatever"})
        self.reason.with_user(self.quality_manager).write({"description": "Waiting for the lab"})
        self.assertTrue(histories.with_user(self.operator).read(["quantity"]))
