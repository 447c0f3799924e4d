# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import new_test_user, tagged

from odoo.addons.mrp_barcode_consumption.tests.common import ScanCase


@tagged("post_install", "-at_install")
class TestScanHeldLots(ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env.ref("stock_quality_hold.reason_awaiting_inspection")
        cls.quality_manager = new_test_user(
            cls.env, "scan_quality", groups="stock_quality_hold.group_quality_manager"
        )

    def quant_of(self, lot):
        return self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "child_of", self.stock.id)]
        )

    def test_held_lot_is_refused_until_released(self):
        # Part of lot A goes on hold: the whole lot is suspect.
        self.quant_of(self.lot_a).with_user(self.quality_manager)._quality_action(
            "hold", self.reason, quantity=5
        )
        self.assertEqual(self.lot_a.quality_status, "on_hold")
        production = self.new_production(qty=2)
        before = self.quantity_at(self.resin, lot=self.lot_a)
        answer = self.scan("RES-A", production, quantity=0.5)
        self.assertRefused(answer, "lot_held", production)
        self.assertIn("On Hold", answer["message"])
        self.assertIn(self.reason.name, answer["message"])
        self.assertEqual(self.quantity_at(self.resin, lot=self.lot_a), before)
        held = (
            self.env["stock.quant"]
            .search([("lot_id", "=", self.lot_a.id), ("quantity", ">", 0)])
            .filtered(lambda q: q.location_id.quality_bucket)
        )
        held.with_user(self.quality_manager)._quality_action("release", self.reason)
        self.assertEqual(self.lot_a.quality_status, "released")
        self.assertTrue(self.scan("RES-A", production, quantity=0.5)["ok"])

    def test_quarantined_and_rejected_lots(self):
        production = self.new_production(qty=2)
        self.quant_of(self.lot_b).with_user(self.quality_manager)._quality_action(
            "hold", self.reason, bucket="quarantine"
        )
        self.assertEqual(self.lot_b.quality_status, "quarantined")
        self.assertRefused(self.scan("RES-B", production, quantity=0.5), "lot_held", production)
        quarantined = self.env["stock.quant"].search(
            [("lot_id", "=", self.lot_b.id), ("quantity", ">", 0)]
        )
        quarantined.with_user(self.quality_manager)._quality_action("reject", self.reason)
        self.assertEqual(self.lot_b.quality_status, "rejected")
        self.assertRefused(
            self.scan("(01)09501101020917(10)RES-B(3103)000500", production), "lot_held"
        )
