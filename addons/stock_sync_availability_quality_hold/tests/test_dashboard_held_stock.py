"""Held stock by bucket and age on the planner dashboard."""

import datetime

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync_availability.tests.common import AvailabilityCase


@tagged("post_install", "-at_install")
class TestDashboardHeldStock(AvailabilityCase):
    """Held: 4 of a drum in QA hold today, 6 in quarantine for 40 days, a pallet in QA hold
    for 3 days. So QA hold: 1 under a day, 1 of 1-7 days (total 2); quarantine: 1 over 30
    days; rejected: none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env, "held_quality_manager", groups="stock_quality_hold.group_quality_manager"
        )
        reason = cls.env.ref("stock_quality_hold.reason_awaiting_inspection")
        Product = cls.env["product.product"]
        cls.drum = Product.create({"name": "Drum", "default_code": "DRUM", "is_storable": True})
        cls.pallet = Product.create({"name": "Pallet", "default_code": "PAL", "is_storable": True})
        cls.set_on_hand(cls.drum, 10)
        cls.set_on_hand(cls.pallet, 5)

        def quant(product):
            return cls.env["stock.quant"].search(
                [("product_id", "=", product.id), ("location_id", "=", cls.stock.id)]
            )

        def hold(product, bucket, quantity=None):
            quant(product).with_user(cls.quality_manager)._quality_action(
                "hold", reason, bucket=bucket, quantity=quantity
            )
            return cls.env["stock.quant"].search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "=", cls.warehouse[f"{bucket}_location_id"].id),
                ]
            )

        now = fields.Datetime.now()
        cls.drum_qa = hold(cls.drum, "qa_hold", 4)
        cls.drum_quarantine = hold(cls.drum, "quarantine")
        cls.drum_quarantine.quality_held_since = now - datetime.timedelta(days=40)
        cls.pallet_qa = hold(cls.pallet, "qa_hold")
        cls.pallet_qa.quality_held_since = now - datetime.timedelta(days=3)

    def tile(self):
        data = self.env["stock.sync.dashboard"].with_user(self.planner).get_dashboard_data()
        return next(tile for tile in data["tiles"] if tile["key"] == "held_stock")

    def opened(self, cell):
        action = cell["action"]
        return self.env[action["res_model"]].with_user(self.planner).search(action["domain"])

    def test_held_stock_by_bucket_and_age(self):
        tile = self.tile()
        self.assertEqual(
            tile["headers"], ["Bucket", "< 1 day", "1-7 days", "7-30 days", "> 30 days", "Total"]
        )
        figures = {row[0]["value"]: [cell["raw"] for cell in row[1:]] for row in tile["rows"]}
        self.assertEqual(
            figures,
            {
                "QA Hold": [1, 1, 0, 0, 2],
                "Quarantine": [0, 0, 0, 1, 1],
                "Rejected": [0, 0, 0, 0, 0],
            },
        )
        qa_hold, quarantine = tile["rows"][0], tile["rows"][1]
        self.assertEqual(self.opened(qa_hold[1]), self.drum_qa)
        self.assertEqual(self.opened(qa_hold[2]), self.pallet_qa)
        self.assertEqual(self.opened(qa_hold[5]), self.drum_qa | self.pallet_qa)
        self.assertEqual(self.opened(quarantine[4]), self.drum_quarantine)
        self.assertEqual(self.opened(tile), self.drum_qa | self.pallet_qa | self.drum_quarantine)
        self.assertOutboxMatchesStockLedger()
