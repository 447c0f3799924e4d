"""Releasing stock that failed its inspection needs the 'Release failed stock' right."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import QualityHoldCase

OVERRIDE = "stock_quality_hold.group_quality_hold_override"


@tagged("post_install", "-at_install")
class TestFailedReleaseOverride(QualityHoldCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overrider = new_test_user(
            cls.env,
            "qh_overrider",
            groups=f"{OVERRIDE},stock.group_production_lot",
            name="Olivia Override",
        )
        cls.lot1 = cls.lot("LOT-F1")
        cls.put(cls.lot_product, 6, lot=cls.lot1)

    def rejected_quant(self):
        return self.quants(self.lot_product, self.warehouse.rejected_location_id, self.lot1)

    def test_the_group_is_implied_by_nothing_and_not_given_to_quality_managers(self):
        group = self.env.ref(OVERRIDE)
        self.assertFalse(
            self.env["res.groups"].search([("implied_ids", "in", group.ids)]),
            "no group implies the override right",
        )
        self.assertFalse(self.quality_manager.has_group(OVERRIDE))
        self.assertFalse(self.env.ref("base.user_admin").has_group(OVERRIDE))
        # whoever has it can release at all
        self.assertTrue(self.overrider.has_group("stock_quality_hold.group_quality_manager"))

    def test_releasing_from_the_rejected_bucket_needs_the_right(self):
        self.reject(self.quants(self.lot_product, self.stock, self.lot1), quantity=4)
        self.assertEqual(self.lot1.quality_status, "rejected")
        rejected = self.rejected_quant()
        with self.assertRaisesRegex(
            UserError,
            r"Resin \(LOT-F1\) failed its inspection.*'Release failed stock' right.*"
            r"Olivia Override\. Ask one of them",
        ):
            self.release(rejected, user=self.quality_manager)
        # on the lot, the same answer
        with self.assertRaisesRegex(UserError, "Only users with the 'Release failed stock'"):
            self.as_user(self.lot1, self.quality_manager).action_quality_release(self.reason_passed)
        self.assertEqual(rejected.quantity, 4)
        self.assertFalse(
            self.env["stock.quality.hold.history"].search(
                [("lot_id", "=", self.lot1.id), ("action", "=", "release")]
            )
        )
        # with the right, it works, and it is recorded
        histories, _skipped = self.release(rejected, user=self.overrider, quantity=1)
        self.assertRecordValues(
            histories,
            [
                {
                    "action": "release",
                    "bucket": "rejected",
                    "user_id": self.overrider.id,
                    "quantity": 1,
                    "location_dest_id": self.stock.id,
                }
            ],
        )
        self.as_user(self.lot1, self.overrider).action_quality_release(self.reason_passed)
        self.assertEqual(self.qty(self.lot_product, self.stock, self.lot1), 6)
        self.assertEqual(self.lot1.quality_status, "released")

    def test_releasing_held_stock_of_a_rejected_lot_needs_the_right(self):
        quant = self.quants(self.lot_product, self.stock, self.lot1)
        self.hold(quant, quantity=2)
        self.reject(quant, quantity=1)
        self.assertEqual(self.lot1.quality_status, "rejected")
        held = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, self.lot1)
        with self.assertRaisesRegex(UserError, r"LOT-F1\) failed its inspection"):
            self.release(held, user=self.quality_manager)
        with self.assertRaisesRegex(UserError, r"LOT-F1\) failed its inspection"):
            self.as_user(self.lot1, self.quality_manager).action_quality_release(self.reason_passed)
        self.assertEqual(held.quantity, 2)
        # a lot that is only held (not rejected) is released by any quality manager
        other = self.lot("LOT-F2")
        self.put(self.lot_product, 2, lot=other)
        self.hold(self.quants(self.lot_product, self.stock, other))
        self.as_user(other, self.quality_manager).action_quality_release(self.reason_passed)
        self.assertEqual(other.quality_status, "released")

    def test_nobody_has_the_right_yet(self):
        self.overrider.groups_id = [Command.unlink(self.env.ref(OVERRIDE).id)]
        self.reject(self.quants(self.lot_product, self.stock, self.lot1))
        with self.assertRaisesRegex(UserError, "nobody yet: an administrator grants it"):
            self.release(self.rejected_quant(), user=self.quality_manager)
