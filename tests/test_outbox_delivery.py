"""End to end: stock moves become signed CloudEvents at a real HTTP receiver."""

import json
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

import jsonschema
from outbox_case import OutboxDeliveryCase

from odoo import Command, fields
from odoo.tests import tagged

SCHEMAS = Path(__file__).resolve().parent.parent / "addons" / "stock_sync" / "schemas"


@tagged("post_install", "-at_install")
class TestOutboxDelivery(OutboxDeliveryCase):
    def test_receipt_is_delivered_signed_batched_and_valid(self):
        picking = self.receive([(self.product, 5), (self.carton, 7)])
        events = self.events_of(picking)
        self.assertEqual(self.dispatch(), 2)
        self.assertEqual(set(self.receiver.unique_events()), set(events.mapped("event_uuid")))
        request = self.receiver.requests[0]
        self.assertTrue(request["verified"])
        self.assertEqual(request["content_type"], "application/cloudevents-batch+json")
        self.assertEqual(request["n_events"], 2)
        envelope_schema = json.loads((SCHEMAS / "cloudevent.v1.json").read_text())
        movement_schema = json.loads((SCHEMAS / "movement.v1.json").read_text())
        for received in self.receiver.events:
            jsonschema.validate(received, envelope_schema)
            jsonschema.validate(received["data"], movement_schema)
        deliveries = events.delivery_ids
        self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
        self.assertEqual(set(deliveries.mapped("status_code")), {204})
        self.assertTrue(all(d.latency_ms >= 0 and d.delivered_at for d in deliveries))
        self.assertEqual(self.dispatch(), 0, "nothing is sent twice")

    def test_batches_respect_the_endpoint_size_and_key_order(self):
        self.endpoint.batch_size = 2
        for qty in range(1, 6):
            self.receive([(self.product, qty)])
        self.assertEqual(self.dispatch(), 5)
        self.assertEqual([r["n_events"] for r in self.receiver.requests], [2, 2, 1])
        self.assertEqual(self.receiver.order_violations, [])
        sequences = [int(e["sequence"]) for e in self.receiver.events]
        self.assertEqual(sequences, sorted(sequences))

    def test_receiver_error_500_retries_with_backoff_then_delivers(self):
        self.receiver.set_behaviour("status", status=500, body=b"database locked", times=1)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertEqual(
            (delivery.state, delivery.error_class, delivery.status_code),
            ("failed", "http_5xx", 500),
        )
        self.assertEqual(delivery.response_excerpt, "database locked")
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=4))
        self.assertLessEqual(delivery.next_attempt_at, before + timedelta(seconds=12))
        self.assertTrue(
            self.endpoint.paused_until, "the endpoint rests while its receiver is unwell"
        )
        # A new event meanwhile does not hammer the sick receiver.
        self.receive([(self.carton, 1)])
        self.assertEqual(self.dispatch(), 0)
        self.make_due()
        self.assertEqual(self.dispatch(), 2)
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 2))

    def test_429_retry_after_is_honoured(self):
        self.receiver.set_behaviour("status", status=429, headers={"Retry-After": "120"}, times=1)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "http_4xx"))
        self.assertAlmostEqual((delivery.next_attempt_at - before).total_seconds(), 120, delta=2)

    def test_timeout_slow_receiver_and_outage(self):
        self.endpoint.timeout = 0.5
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.set_behaviour("hang", delay=3, times=1)
        self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "timeout"))
        self.receiver.go_down()
        self.make_due()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "connection"))
        self.receiver.come_up()
        self.receiver.set_behaviour("slow", delay=0.2)
        self.make_due()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 3))
        self.assertEqual(len(self.receiver.unique_events()), 1)

    def test_malformed_and_non_2xx_answers(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.set_behaviour("garbage", times=1)
        self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "invalid_response"))
        self.receiver.set_behaviour(
            "status", status=302, headers={"Location": "http://127.0.0.1:9/"}, times=1
        )
        self.make_due()
        self.dispatch()
        self.assertEqual(
            (delivery.state, delivery.error_class, delivery.status_code),
            ("failed", "invalid_response", 302),
        )
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")

    def test_permanent_4xx_kills_one_event_and_parks_only_its_key(self):
        first_a = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        second_a = self.events_of(self.receive([(self.product, 2)])).delivery_ids
        first_b = self.events_of(self.receive([(self.carton, 3)])).delivery_ids
        # The batch is refused, then the first event alone: it is the bad one.
        self.receiver.set_behaviour("status", status=422, body=b"unknown SKU", times=2)
        self.dispatch()
        self.assertEqual(
            (first_a.state, first_a.error_class, first_a.response_excerpt),
            ("dead", "http_4xx", "unknown SKU"),
        )
        self.assertEqual(second_a.state, "parked")
        self.assertEqual(first_b.state, "delivered", "other keys keep flowing")
        later_b = self.events_of(self.receive([(self.carton, 4)])).delivery_ids
        later_a = self.events_of(self.receive([(self.product, 5)])).delivery_ids
        self.dispatch()
        self.assertEqual(later_b.state, "delivered")
        self.assertEqual(later_a.state, "parked")
        self.assertTrue(self.endpoint.activity_ids, "managers are told about dead letters")
        # Someone fixes the SKU mapping and retries: the key drains in order.
        first_a.with_user(self.sync_user).action_retry_now()
        self.dispatch()
        self.assertEqual((first_a | second_a | later_a).mapped("state"), ["delivered"] * 3)
        self.assertEqual(self.receiver.order_violations, [])

    def test_max_attempts_then_dead(self):
        self.endpoint.max_attempts = 2
        self.receiver.set_behaviour("status", status=503)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.dispatch()
        self.assertEqual(delivery.state, "failed")
        self.make_due()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.attempts), ("dead", 2))

    def test_url_that_is_not_http_written_behind_the_orm(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_endpoint SET url = 'ftp://wms/in' WHERE id = %s", (self.endpoint.id,)
        )
        self.env.invalidate_all()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("dead", "config"))
        self.assertIn("http:// or https://", delivery.error_message)
        self.assertFalse(self.receiver.requests)

    def test_secret_rotated_mid_flight(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        old = self.endpoint.secret_ids
        self.endpoint.with_user(self.sync_manager).action_generate_secret()
        new = self.endpoint.secret_ids - old
        # During rotation both secrets sign: a receiver that knows either accepts.
        self.receiver.set_secrets([new.secret])
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(self.receiver.requests[-1]["signatures"], 2)
        # The old secret is retired: a receiver still on it refuses every batch.
        # That is the endpoint's problem, not the events': they wait, the
        # batch is not split, and the managers are told.
        old.active = False
        self.receiver.set_secrets([old.secret])
        second = self.events_of(self.receive([(self.product, 1), (self.carton, 1)])).delivery_ids
        self.dispatch()
        self.assertEqual(set(second.mapped("state")), {"failed"})
        self.assertEqual(set(second.mapped("status_code")), {401})
        self.assertFalse(any(second.mapped("send_alone")))
        self.assertIn("check its URL and secrets", second[0].error_message)
        self.assertIn(
            "refuses our requests", " ".join(self.endpoint.activity_ids.mapped("summary"))
        )
        self.receiver.set_secrets([new.secret])
        self.make_due()
        self.dispatch()
        self.assertEqual(set(second.mapped("state")), {"delivered"})

    def test_retry_after_zero_does_not_burn_the_attempts(self):
        self.receiver.set_behaviour("status", status=503, headers={"Retry-After": "0"})
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 1))
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=4))

    def test_an_unexpected_error_while_sending_is_recorded_not_lost(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        target = "odoo.addons.stock_sync.services.http_transport.send_batch"
        with (
            patch(target, side_effect=RuntimeError("bug")),
            self.assertLogs("odoo.addons.stock_sync.models.stock_sync_dispatcher", "ERROR"),
        ):
            self.dispatch()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "config"))
        self.assertIn("see the server log", delivery.error_message)
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")

    def test_errors_name_the_host_but_never_the_path_or_query(self):
        self.endpoint.url = self.receiver.url + "?token=TOPSECRET123"
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.go_down()
        try:
            with self.assertLogs("odoo.addons.stock_sync", "WARNING") as logs:
                self.dispatch()
        finally:
            self.receiver.come_up()
        self.assertEqual((delivery.state, delivery.error_class), ("failed", "connection"))
        self.assertIn("http://127.0.0.1:", delivery.error_message)
        for text in [delivery.error_message, *logs.output]:
            self.assertNotIn("TOPSECRET123", text)
            self.assertNotIn("/events", text)

    def test_parking_heals_when_the_dead_delivery_is_gone(self):
        first = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        second = self.events_of(self.receive([(self.product, 2)])).delivery_ids
        # As if a racing transaction re-parked the follower after a cancel:
        # nothing dead is in front of it any more.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET state = CASE WHEN id = %s THEN 'cancelled' ELSE 'parked' END"
            " WHERE id IN %s",
            (first.id, (first | second)._ids),
        )
        self.env.invalidate_all()
        self.dispatch()
        self.assertEqual((first.state, second.state), ("cancelled", "delivered"))
        self.assertEqual(len(self.receiver.unique_events()), 1)

    def test_archived_or_deleted_product_still_delivers(self):
        product = self.env["product.product"].create(
            {"name": "Short-lived", "is_storable": True, "default_code": "TMP-1", "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "LOT-X", "product_id": product.id})
        lot.ref = "R1"
        picking = self.receive([(self.product, 1)])
        self.product.active = False
        lot_event = self.env["stock.sync.event"].search([("lot_id", "=", lot.id)])
        lot.unlink()
        product.unlink()
        self.assertFalse(lot_event.product_id)
        self.dispatch()
        received = self.receiver.unique_events()
        self.assertEqual(received[lot_event.event_uuid]["data"]["product"]["default_code"], "TMP-1")
        moved = self.events_of(picking)
        self.assertEqual(received[moved.event_uuid]["data"]["product"]["default_code"], "API-001")
        self.assertEqual(set((lot_event | moved).delivery_ids.mapped("state")), {"delivered"})

    def test_expired_lease_returns_work_and_a_late_result_is_ignored(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        Dispatcher = self.env["stock.sync.dispatcher"]
        claimed = Dispatcher._claim(self.endpoint, "dead-worker")
        self.assertEqual([row.id for row in claimed], delivery.ids)
        self.env.invalidate_all()
        self.assertEqual(delivery.state, "in_flight")
        self.assertEqual(self.dispatch(), 0, "a live lease is respected")
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET lease_until = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(seconds=1), delivery.id),
        )
        self.assertEqual(self.dispatch(), 1)
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 2))
        # The first worker wakes up with a failure: it no longer owns the row.
        from odoo.addons.stock_sync.services.http_transport import SendResult

        Dispatcher._record(
            self.endpoint, claimed, "dead-worker", SendResult("retry", error_class="timeout")
        )
        self.env.invalidate_all()
        self.assertEqual(delivery.state, "delivered")

    def test_bulk_material_waits_for_its_batch_window(self):
        self.endpoint.write({"cadence_bulk": "batch", "batch_interval": 5})
        bulk = self.events_of(self.receive([(self.carton, 1)])).delivery_ids
        critical = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.dispatch()
        self.assertEqual((critical.state, bulk.state), ("delivered", "pending"))
        bulk.sudo().next_attempt_at = fields.Datetime.now()
        self.dispatch()
        self.assertEqual(bulk.state, "delivered")

    def test_filters_on_a_second_endpoint(self):
        mes = self.env["stock.sync.endpoint"].create(
            {
                "name": "MES",
                "url": self.receiver.url,
                "secret_ids": [Command.create({"secret": self.secret})],
                "product_categ_ids": [Command.set(self.categ_bulk.ids)],
                "cadence_bulk": "realtime",
            }
        )
        self.receive([(self.product, 1), (self.carton, 1)])
        self.dispatch()
        self.assertEqual(len(mes.delivery_ids), 1)
        self.assertEqual(mes.delivery_ids.state, "delivered")
        self.assertEqual(
            len(self.receiver.unique_events()), 2, "one receiver behind both endpoints"
        )
        self.assertEqual(self.receiver.duplicates, 1)
