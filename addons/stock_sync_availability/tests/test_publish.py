"""Availability events: marked in the stock transaction, computed and emitted after it, debounced."""

from odoo import Command
from odoo.tests import tagged

from .common import AVAILABILITY_TYPE, AvailabilityCase


@tagged("post_install", "-at_install")
class TestPublish(AvailabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.web = cls.make_channel("Web", cls.warehouse)
        cls.market = cls.make_channel("Market", cls.warehouse, buffer_value=50)
        cls.cron = cls.env.ref("stock_sync_availability.ir_cron_publish_availability")
        cls.outside = cls.env["stock.location"].create(
            {
                "name": "Quarantine outside the warehouse",
                "usage": "internal",
                "location_id": cls.env.ref("stock.stock_location_locations").id,
            }
        )
        cls.env["stock.sync.availability.dirty"]._take()

    def dirty_ids(self):
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.execute("SELECT product_id FROM stock_sync_availability_dirty")
        return {row[0] for row in self.env.cr.fetchall()}

    def triggers(self):
        self.env.cr.execute(
            "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", (self.cron.id,)
        )
        return self.env.cr.fetchone()[0]

    def publish(self):
        self.env.cr.flush()
        with self.capture_events() as captured:
            self.env["stock.sync.channel"]._cron_publish_availability()
        return captured.of_type(AVAILABILITY_TYPE)

    def by_channel(self, events):
        return {e.payload["data"]["channel"]["name"]: e.payload["data"]["quantity"] for e in events}

    def test_receipt_marks_then_cron_emits_per_channel(self):
        triggers = self.triggers()
        with self.capture_events() as captured:
            self.receive([(self.product, 10)])
            self.assertIn(self.product.id, self.dirty_ids())
        # Nothing computed in the stock transaction: only its movement event.
        self.assertFalse(captured.of_type(AVAILABILITY_TYPE))
        self.assertTrue(captured.events)
        # A critical product wakes the cron at once.
        self.assertEqual(self.triggers(), triggers + 1)
        events = self.publish()
        self.assertEqual(self.by_channel(events), {"Web": 10, "Market": 5})
        # Each event goes to its channel's endpoint only, not to the WMS that takes everything.
        for event in events:
            channel = self.env["stock.sync.channel"].browse(event.payload["data"]["channel"]["id"])
            self.assertEqual(
                self.env["stock.sync.delivery"]
                .sudo()
                .search([("event_id", "=", event.id)])
                .endpoint_id,
                channel.endpoint_id,
            )
        self.assertFalse(self.dirty_ids())
        # Nothing changed since: nothing to say.
        self.env["stock.sync.availability.dirty"]._mark(self.product)
        self.assertFalse(self.publish())
        self.assertOutboxMatchesStockLedger()

    def test_burst_gives_one_event_per_channel(self):
        for qty in (1, 2, 3):
            self.receive([(self.product, qty), (self.carton, qty)])
        events = self.publish()
        self.assertEqual(len(events), 4)  # 2 products x 2 channels
        quantities = {
            (e.payload["data"]["channel"]["name"], e.payload["data"]["product"]["default_code"]): (
                e.payload["data"]["quantity"]
            )
            for e in events
        }
        self.assertEqual(
            quantities,
            {
                ("Web", "API-001"): 6,
                ("Market", "API-001"): 3,
                ("Web", "PKG-9"): 6,
                ("Market", "PKG-9"): 3,
            },
        )
        self.assertOutboxMatchesStockLedger()

    def test_bulk_product_waits_for_the_next_run(self):
        triggers = self.triggers()
        self.receive([(self.carton, 4)])
        self.assertIn(self.carton.id, self.dirty_ids())
        self.assertEqual(self.triggers(), triggers)
        self.assertEqual(len(self.publish()), 2)
        self.assertOutboxMatchesStockLedger()

    def test_delivery_and_quarantine_lower_the_quantity(self):
        self.receive([(self.product, 10)])
        self.publish()
        order = self._picking(
            self.warehouse.out_type_id, [(self.product, 4)], self.stock, self.customer_loc
        )
        order.with_user(self.operator).action_confirm()
        order.with_user(self.operator).action_assign()  # a reservation
        self.assertEqual(self.by_channel(self.publish()), {"Web": 6, "Market": 3})
        # 3 moved out of the warehouse's tree (as a quality hold does): no longer promised.
        internal = self._picking(
            self.warehouse.int_type_id, [(self.product, 3)], self.stock, self.outside
        ).with_user(self.operator)
        internal.action_confirm()
        internal.action_assign()
        internal.move_ids.picked = True
        internal.button_validate()
        events = self.publish()
        self.assertEqual(self.by_channel(events), {"Web": 3, "Market": 1})
        self.assertEqual({e.payload["data"]["previous_quantity"] for e in events}, {6, 3})
        self.assertOutboxMatchesStockLedger()

    def test_oversell_risk_and_planner_activity(self):
        self.receive([(self.product, 10)])
        self.publish()
        rows = (
            self.env["stock.sync.channel.availability"]
            .with_user(self.planner)
            .search([("product_id", "=", self.product.id)])
        )
        # Web shows 10 and Market 5 from the same 10: together 5 too many.
        self.assertEqual(set(rows.mapped("oversell_gap")), {5.0})
        self.assertTrue(all(rows.mapped("at_risk")))
        activities = rows.activity_ids
        self.assertEqual(len(activities), 2)
        self.assertEqual(activities.user_id, self.planner)
        self.assertIn("may be oversold", activities[0].note)
        # Committed demand beyond supply: 25 promised, 10 there.
        self.market.with_user(self.sync_manager).write({"buffer_value": 100})
        self.plan_move(self.product, 25, self.stock, self.customer_loc, 2)
        self.publish()
        rows.invalidate_recordset()
        self.assertEqual(rows.mapped("atp_qty"), [-15.0, -15.0])
        self.assertEqual(rows.mapped("oversell_gap"), [15.0, 15.0])
        self.assertEqual(rows.mapped("exposed_qty"), [0.0, 0.0])
        # Already at risk: no second activity.
        self.assertEqual(len(rows.activity_ids), 2)
        risk = self.web.with_user(self.sync_manager).action_open_at_risk()
        self.assertEqual(
            self.env["stock.sync.channel.availability"].search(risk["domain"]).product_id,
            self.product,
        )
        self.assertOutboxMatchesStockLedger()

    def test_publish_all_and_non_critical_not_at_risk_no_activity(self):
        self.receive([(self.carton, 10)])
        self.env["stock.sync.availability.dirty"]._take()
        with self.capture_events() as captured:
            self.web.with_user(self.sync_manager).action_publish_all()
        events = captured.of_type(AVAILABILITY_TYPE)
        self.assertIn(
            "PKG-9", events.mapped(lambda e: e.payload["data"]["product"]["default_code"])
        )
        row = self.env["stock.sync.channel.availability"].search(
            [("product_id", "=", self.carton.id), ("channel_id", "=", self.web.id)]
        )
        self.assertEqual((row.exposed_qty, row.published_qty, row.at_risk), (10, 10, False))
        self.assertFalse(row.activity_ids)
        self.assertOutboxMatchesStockLedger()

    def test_safety_stock_change_marks_the_product(self):
        self.env["stock.sync.availability.dirty"]._take()
        self.env["stock.warehouse.orderpoint"].with_user(self.stock_manager).create(
            {
                "product_id": self.carton.id,
                "warehouse_id": self.warehouse.id,
                "location_id": self.stock.id,
                "product_min_qty": 3,
                "product_max_qty": 9,
                "trigger": "manual",
            }
        )
        self.assertEqual(self.dirty_ids(), {self.carton.id})

    def test_channel_list_command(self):
        self.assertEqual(self.web.buffer_ids, self.env["stock.sync.channel.buffer"])
        self.web.write(
            {"buffer_ids": [Command.create({"categ_id": self.categ_bulk.id, "buffer_value": 10})]}
        )
        self.assertEqual(self.web._buffer_for(self.carton), ("percent", 10))
        self.assertEqual(self.web._buffer_for(self.product), ("percent", 0))
