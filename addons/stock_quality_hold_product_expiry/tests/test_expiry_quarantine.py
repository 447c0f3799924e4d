from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.stock_quality_hold.tests.common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestExpiryQuarantine(QualityHoldCase):
    """The daily cron quarantines lots past their expiration or removal date."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("stock_quality_hold_product_expiry.ir_cron_quality_expiry")
        cls.reason_expired = cls.env.ref("stock_quality_hold.reason_expired")
        cls.perishable = cls.env["product.product"].create(
            {
                "name": "Enzyme",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "expiration_time": 30,
                "removal_time": 20,
                "default_code": "QH-ENZ",
            }
        )
        now = fields.Datetime.now()
        cls.past = now - timedelta(days=1)
        cls.future = now + timedelta(days=10)

    def dated_lot(self, name, expiration, removal=None):
        return self.env["stock.lot"].create(
            {
                "name": name,
                "product_id": self.perishable.id,
                "company_id": self.company.id,
                "expiration_date": expiration,
                "removal_date": removal or expiration,
            }
        )

    def history(self, lot):
        return self.env["stock.quality.hold.history"].search([("lot_id", "=", lot.id)])

    def test_expired_lots_go_to_quarantine_in_every_warehouse_once(self):
        expired = self.dated_lot("ENZ-OLD", self.past)
        removal_due = self.dated_lot("ENZ-REMOVE", self.future, removal=self.past)
        fresh = self.dated_lot("ENZ-FRESH", self.future)
        self.put(self.perishable, 10, lot=expired)
        self.put(self.perishable, 4, location=self.stock2, lot=expired)
        self.put(self.perishable, 6, lot=removal_due)
        self.put(self.perishable, 8, lot=fresh)
        # 3 of the expired lot are reserved for a delivery: they cannot move
        picking = self.delivery(self.perishable, 3)
        picking.do_unreserve()
        self.env["stock.move.line"].create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": self.perishable.id,
                "lot_id": expired.id,
                "quantity": 3,
                "location_id": self.stock.id,
                "location_dest_id": self.customer_loc.id,
            }
        )
        with self.assertLogs(
            "odoo.addons.stock_quality_hold_product_expiry.models.stock_lot", "WARNING"
        ) as logs:
            summary = self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual((summary["lots"], summary["moved"]), (2, 3))
        self.assertEqual(len(summary["skipped"]), 1)
        name, quantity, why = summary["skipped"][0]
        self.assertEqual((name, quantity), ("ENZ-OLD", 3))
        self.assertIn(picking.name, why)
        self.assertIn(picking.name, logs.output[0])
        quarantine, quarantine2 = (
            self.warehouse.quarantine_location_id,
            self.warehouse2.quarantine_location_id,
        )
        self.assertEqual(self.qty(self.perishable, quarantine, expired), 7)
        self.assertEqual(self.qty(self.perishable, quarantine2, expired), 4)
        self.assertEqual(self.qty(self.perishable, self.stock, expired), 3)
        self.assertEqual(self.qty(self.perishable, quarantine, removal_due), 6)
        self.assertEqual(self.qty(self.perishable, self.stock, fresh), 8)
        history = self.history(expired)
        self.assertEqual(set(history.mapped("reason_id.code")), {"expired"})
        self.assertEqual(set(history.mapped("action")), {"hold"})
        self.assertEqual(set(history.mapped("bucket")), {"quarantine"})
        self.assertEqual((expired.quality_status, removal_due.quality_status), ("expired",) * 2)
        self.assertEqual(fresh.quality_status, "released")
        self.assertTrue(expired.message_ids.filtered(lambda m: picking.name in (m.body or "")))
        # idempotent: the next run moves nothing more, and reports the reserved 3 again
        summary = self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual((summary["moved"], len(summary["skipped"])), (0, 1))
        self.assertEqual(len(self.history(expired)), 2)
        # once the delivery lets go of them, the next run quarantines them too
        picking.do_unreserve()
        summary = self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual((summary["moved"], summary["skipped"]), (1, []))
        self.assertEqual(self.qty(self.perishable, quarantine, expired), 10)

    def test_the_scheduled_action_runs_daily_and_marks_lots_without_stock(self):
        self.assertEqual((self.cron.interval_number, self.cron.interval_type), (1, "days"))
        self.assertTrue(self.cron.active)
        empty = self.dated_lot("ENZ-EMPTY", self.past)
        self.cron.method_direct_trigger()
        self.assertEqual(empty.quality_status, "expired")
        self.assertFalse(self.history(empty))

    def test_expired_status_follows_the_dates_and_yields_to_rejected(self):
        lot = self.dated_lot("ENZ-DATES", self.past)
        self.put(self.perishable, 5, lot=lot)
        self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual(lot.quality_status, "expired")
        held = self.quants(self.perishable, self.warehouse.quarantine_location_id, lot)
        # a shelf-life extension: new dates, then the quality manager releases it
        lot.with_user(self.quality_manager).write(
            {"expiration_date": self.future, "removal_date": self.future}
        )
        self.assertEqual(lot.quality_status, "quarantined")
        self.release(held)
        self.assertEqual(lot.quality_status, "released")
        self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual(self.qty(self.perishable, self.stock, lot), 5)
        # expired again and rejected: rejected wins, disposition is pending
        lot.write({"expiration_date": self.past, "removal_date": self.past})
        self.assertEqual(lot.quality_status, "expired")
        self.reject(self.quants(self.perishable, self.stock, lot))
        self.assertEqual(lot.quality_status, "rejected")
        self.env["stock.lot"]._cron_quality_expiry()
        self.assertEqual(lot.quality_status, "rejected")
        self.assertEqual(self.qty(self.perishable, self.warehouse.rejected_location_id, lot), 5)
