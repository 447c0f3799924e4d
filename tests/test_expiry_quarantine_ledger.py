"""The daily expiry check with the outbox: expired lots quarantined, as events.

``stock_quality_hold_product_expiry`` depends on ``stock_quality_hold`` and Odoo's
``product_expiry`` only, not on ``stock_sync``: its own tests cannot use the
outbox. The suite installs every module together, so the ledger invariant of
its cron is checked here, where ``stock_sync``, ``stock_quality_hold_sync`` and
``stock_sync_product_expiry`` are installed beside it (pytest only, on the
suite's database).
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, StockSyncCase

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestExpiryQuarantineLedger(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The receiving clerk has no quality rights at all.
        cls.operator.groups_id = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        cls.cron = cls.env.ref("stock_quality_hold_product_expiry.ir_cron_quality_expiry")
        cls.warehouse2 = cls.env["stock.warehouse"].create(
            {"name": "Expiry Second Warehouse", "code": "EXW2", "company_id": cls.company.id}
        )
        cls.perishable = cls.env["product.product"].create(
            {
                "name": "Ledger enzyme",
                "is_storable": True,
                "tracking": "lot",
                "use_expiration_date": True,
                "expiration_time": 30,
                "removal_time": 20,
                "default_code": "EXL-ENZ",
            }
        )
        now = fields.Datetime.now()
        cls.past = now - timedelta(days=1)
        cls.future = now + timedelta(days=10)

    def lot(self, name):
        return self.env["stock.lot"].search([("name", "=", name)])

    def transfer_to_warehouse2(self, lot, quantity):
        """A done internal transfer of ``quantity`` of ``lot`` to the second warehouse."""
        destination = self.warehouse2.lot_stock_id
        picking = self._picking(
            self.warehouse.int_type_id, [(self.perishable, quantity)], self.stock, destination
        ).with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        picking.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": self.perishable.id,
                    "lot_id": lot.id,
                    "quantity": quantity,
                    "picking_id": picking.id,
                    "location_id": self.stock.id,
                    "location_dest_id": destination.id,
                }
            )
        ]
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def deliver_lot(self, lot, quantity):
        picking = self._picking(
            self.warehouse.out_type_id, [(self.perishable, quantity)], self.stock, self.customer_loc
        ).with_user(self.operator)
        picking.action_confirm()
        picking.action_assign()
        self.assertEqual(picking.move_ids.move_line_ids.lot_id, lot)
        picking.move_ids.quantity = quantity
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def run_cron(self):
        """The scheduled action as the scheduler runs it (its code, as its user)."""
        self.cron.method_direct_trigger()

    def hold_events(self, captured):
        return sorted(
            (
                e.payload["data"]["lot"]["name"],
                e.payload["data"]["warehouse"]["code"],
                e.payload["data"]["location_to"]["id"],
                e.payload["data"]["quantity"],
            )
            for e in captured.of_type(HOLD_TYPE)
        )

    def test_expired_and_removal_due_lots_quarantined_fresh_lot_untouched(self):
        self.receive([(self.perishable, 24)], lot_names=["EXL-OLD", "EXL-REMOVE", "EXL-FRESH"])
        expired, removal_due, fresh = (
            self.lot("EXL-OLD"),
            self.lot("EXL-REMOVE"),
            self.lot("EXL-FRESH"),
        )
        self.transfer_to_warehouse2(expired, 3)
        expired.write({"expiration_date": self.past, "removal_date": self.past})
        removal_due.write({"expiration_date": self.future, "removal_date": self.past})
        fresh.write({"expiration_date": self.future, "removal_date": self.future})
        quarantine = self.warehouse.quarantine_location_id
        quarantine2 = self.warehouse2.quarantine_location_id
        with self.capture_events() as captured:  # each event checked against its schemas
            self.run_cron()
        self.assertEqual(
            self.hold_events(captured),
            sorted(
                [
                    ("EXL-OLD", self.warehouse.code, quarantine.id, 5),
                    ("EXL-OLD", self.warehouse2.code, quarantine2.id, 3),
                    ("EXL-REMOVE", self.warehouse.code, quarantine.id, 8),
                ]
            ),
        )
        for event in captured.of_type(HOLD_TYPE):
            data = event.payload["data"]
            self.assertEqual(event.operation, "hold")
            self.assertEqual(
                (data["action"], data["bucket"], data["reason"]["code"], data["lot_status"]),
                ("hold", "quarantine", "expired", "expired"),
            )
            self.assertEqual(data["location_to"]["bucket"], "quarantine")
            self.assertEqual(data["user"]["id"], self.cron.user_id.id)
        # each quarantine move is a movement event too, nothing of the fresh lot moved
        movements = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(movements), 3)
        self.assertNotIn(fresh.id, [m.payload["data"]["lot"]["id"] for m in movements])
        self.assertEqual(
            (expired.quality_status, removal_due.quality_status, fresh.quality_status),
            ("expired", "expired", "released"),
        )
        # the next day's run moves nothing and emits nothing
        with self.capture_events() as captured:
            self.run_cron()
        self.assertFalse(captured.events)
        self.assertOutboxMatchesStockLedger()

    def test_expired_lot_without_stock_emits_nothing(self):
        self.receive([(self.perishable, 4)], lot_names=["EXL-GONE"])
        gone = self.lot("EXL-GONE")
        self.deliver_lot(gone, 4)
        gone.write({"expiration_date": self.past, "removal_date": self.past})
        with self.capture_events() as captured:
            self.run_cron()
        self.assertFalse(captured.of_type(HOLD_TYPE))
        self.assertFalse(captured.of_type(MOVEMENT_TYPE))
        self.assertEqual(gone.quality_status, "expired")
        self.assertOutboxMatchesStockLedger()
