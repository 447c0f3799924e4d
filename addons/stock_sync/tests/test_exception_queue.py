from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestExceptionQueue(StockSyncCase):
    def setUp(self):
        super().setUp()
        for qty in (1, 2, 3):
            self.receive([(self.product, qty)])
        self.number_events()
        self.deliveries = self.env["stock.sync.delivery"].search(
            [("product_id", "=", self.product.id)], order="sequence"
        )
        self.first, self.second, self.third = self.deliveries

    def _set(self, deliveries, state, **vals):
        deliveries.sudo().write({"state": state, **vals})

    def test_retry_now_requeues_dead_and_releases_parked_in_order(self):
        self._set(self.first, "dead", attempts=10, error_class="http_5xx")
        self._set(self.second | self.third, "parked")
        self.first.with_user(self.sync_user).action_retry_now()
        self.assertEqual(self.deliveries.mapped("state"), ["pending"] * 3)
        self.assertEqual(self.first.attempts, 0)
        self.assertIn("Queued again by sync_user", self.first.message_ids[0].body)

    def test_cannot_act_on_work_still_waiting_for_the_dispatcher(self):
        self._set(self.second, "dead")
        with self.assertRaisesRegex(UserError, "cannot be queued again: they are Pending"):
            (self.first | self.second).with_user(self.sync_user).action_requeue()
        self.assertEqual(self.second.state, "dead", "nothing half-done")
        Cancel = self.env["stock.sync.delivery.cancel"].with_user(self.sync_user)
        self._set(self.second, "delivered")
        for delivery, state in ((self.third, "Pending"), (self.second, "Delivered")):
            with self.assertRaisesRegex(UserError, f"cannot be cancelled: they are {state}"):
                Cancel.with_context(active_ids=delivery.ids).create({"reason": "x"}).action_cancel()

    def test_users_act_through_actions_not_raw_writes(self):
        self._set(self.first, "dead")
        with self.assertRaises(AccessError):
            self.first.with_user(self.sync_user).write({"state": "delivered"})
        with self.assertRaises(AccessError):
            self.first.with_user(self.sync_user).write({"endpoint_id": self.endpoint.id})
        self.first.with_user(self.sync_user).message_post(body="Called the WMS team")
        self.assertIn("Called the WMS team", self.first.message_ids[0].body)

    def test_waiting_work_cannot_be_deleted(self):
        self._set(self.first, "dead")
        with self.assertRaisesRegex(UserError, "Only delivered or cancelled"):
            self.first.with_user(self.sync_manager).unlink()
        with self.assertRaisesRegex(UserError, "still being delivered"):
            self.second.event_id.with_user(self.sync_manager).unlink()
        self._set(self.third, "delivered")
        self.third.event_id.with_user(self.sync_manager).unlink()
        self.assertFalse(self.third.exists())

    def test_cancel_needs_a_reason_and_releases_followers(self):
        self._set(self.first, "dead")
        self._set(self.second, "parked")
        wizard = (
            self.env["stock.sync.delivery.cancel"]
            .with_user(self.sync_user)
            .with_context(active_ids=self.first.ids)
        )
        with self.assertRaisesRegex(UserError, "Say why"):
            wizard.create({"reason": "  "}).action_cancel()
        wizard.create({"reason": "Booked by hand in the WMS"}).action_cancel()
        self.assertEqual(self.first.state, "cancelled")
        self.assertEqual(self.first.cancel_reason, "Booked by hand in the WMS")
        self.assertEqual(self.second.state, "pending")
        self.assertIn("Booked by hand in the WMS", self.first.message_ids[0].body)

    def test_replay_backfills_a_new_endpoint(self):
        newcomer = self.env["stock.sync.endpoint"].create(
            {"name": "New MES", "url": "https://mes.example.com/in"}
        )
        newcomer.delivery_ids.unlink()
        replay = Form(self.env["stock.sync.replay"].with_user(self.sync_manager))
        replay.endpoint_id = newcomer
        replay.date_from = fields.Datetime.now() - timedelta(hours=1)
        replay.date_to = fields.Datetime.now() + timedelta(minutes=1)
        replay.save().action_replay()
        self.assertEqual(newcomer.delivery_ids.event_id, self.deliveries.event_id)
        self.assertIn("replayed 3 new", newcomer.message_ids[0].body)
        # Replaying again creates nothing twice.
        replay2 = (
            self.env["stock.sync.replay"]
            .with_user(self.sync_manager)
            .create(
                {
                    "endpoint_id": newcomer.id,
                    "date_from": fields.Datetime.now() - timedelta(hours=1),
                    "date_to": fields.Datetime.now() + timedelta(minutes=1),
                }
            )
        )
        replay2.action_replay()
        self.assertEqual(len(newcomer.delivery_ids), 3)

    def test_replay_bad_input(self):
        Replay = self.env["stock.sync.replay"].with_user(self.sync_manager)
        now = fields.Datetime.now()
        with self.assertRaisesRegex(UserError, "starts after it ends"):
            Replay.create(
                {
                    "endpoint_id": self.endpoint.id,
                    "date_from": now,
                    "date_to": now - timedelta(days=1),
                }
            ).action_replay()
        with self.assertRaisesRegex(UserError, "No event between"):
            Replay.create(
                {
                    "endpoint_id": self.endpoint.id,
                    "date_from": now - timedelta(days=9),
                    "date_to": now - timedelta(days=8),
                }
            ).action_replay()
        with self.assertRaises(AccessError):
            self.env["stock.sync.replay"].with_user(self.sync_user).create(
                {"endpoint_id": self.endpoint.id, "date_from": now, "date_to": now}
            )

    def test_dead_alert_once_per_endpoint_and_day(self):
        managers = self.env.ref("stock_sync.group_stock_sync_manager").users.filtered(
            lambda u: not u.share and u != self.env.ref("base.user_root")
        )
        self.endpoint._alert_managers("dead", "HTTP 422.")
        self.endpoint._alert_managers("dead", "HTTP 422.")
        activities = self.endpoint.activity_ids
        self.assertEqual(activities.user_id, managers)
        self.assertEqual(len(activities), len(managers))
        self.assertIn("HTTP 422.", activities[0].note, "the alert says what happened")
        # An endpoint problem the same day is another story: it has its own alert.
        self.endpoint._alert_managers("problem", "HTTP 401.")
        self.assertEqual(len(self.endpoint.activity_ids), 2 * len(managers))
        self.endpoint.last_dead_alert_date = fields.Date.today() - timedelta(days=1)
        self.endpoint._alert_managers("dead", "HTTP 422.")
        self.assertEqual(len(self.endpoint.activity_ids), 3 * len(managers))

    def test_purge_keeps_undelivered_events(self):
        old = fields.Datetime.now() - timedelta(days=40)
        events = self.deliveries.event_id
        events.sudo().write({"timestamp": old})
        self._set(self.first, "delivered")
        self._set(self.second, "dead")
        self._set(self.third, "cancelled")
        self.env.flush_all()
        purged = self.env["stock.sync.event"]._cron_purge()
        self.assertEqual(purged, 1)
        # Dead and cancelled work just touched waits for its own retention (90 days).
        self.assertEqual(
            self.env["stock.sync.event"].search([("id", "in", events.ids)]),
            self.second.event_id | self.third.event_id,
        )

    def test_kpis_report_latency_failures_backlog_and_dead(self):
        now = fields.Datetime.now()
        self._set(self.first, "delivered", attempts=1, latency_ms=200, last_attempt_at=now)
        self._set(self.second, "delivered", attempts=3, latency_ms=1000, last_attempt_at=now)
        self._set(self.third, "dead", attempts=4, last_attempt_at=now)
        self.env.flush_all()
        endpoint = self.endpoint.with_user(self.sync_manager)
        self.assertEqual(endpoint.kpi_dead, 1)
        self.assertEqual(endpoint.kpi_backlog, 0)
        self.assertAlmostEqual(endpoint.kpi_latency_p50, 0.6)
        self.assertAlmostEqual(endpoint.kpi_latency_p95, 0.96)
        # 8 attempts, 2 succeeded.
        self.assertAlmostEqual(endpoint.kpi_failure_rate, 75.0)
        row = (
            self.env["stock.sync.kpi"]
            .with_user(self.sync_user)
            .search([("endpoint_id", "=", self.endpoint.id), ("criticality", "=", "critical")])
        )
        self.assertEqual(
            (row.deliveries, row.delivered, row.dead, row.failed_attempts), (3, 2, 1, 6)
        )
        self.assertAlmostEqual(row.latency_p95, 0.96)
        grouped = (
            self.env["stock.sync.kpi"]
            .with_user(self.sync_user)
            .read_group([], ["dead:sum", "latency_p95:max"], ["endpoint_id"])
        )
        self.assertTrue(grouped)
