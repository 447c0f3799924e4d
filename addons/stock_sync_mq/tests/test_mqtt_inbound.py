"""Machine counts in from a real Mosquitto: a persistent session, QoS 1, acked after commit."""

import time
import uuid
from unittest.mock import patch

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..services.consumer import MqttConsumer
from .brokers import Mosquitto
from .common import MqCase


@tagged("post_install", "-at_install")
class TestMqttInbound(MqCase):
    broker_class = Mosquitto
    kind = "mqtt"
    subscriptions = "plant1/machines/+/counts"

    def setUp(self):
        super().setUp()
        # A session of its own per test: nothing queued for another test's consumer.
        self.backend.mq_client_id = f"test-consumer-{uuid.uuid4().hex[:12]}"

    def publish(self, *bodies, machine="press-7"):
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        client.connect("127.0.0.1", self.broker.port)
        client.loop_start()
        try:
            for body in bodies:
                client.publish(f"plant1/machines/{machine}/counts", body, qos=1).wait_for_publish(5)
        finally:
            client.disconnect()
            client.loop_stop()

    def test_cloudevents_and_plain_json_applied_once(self):
        consumer = self.start_consumer()
        event = self.cloudevent(
            "com.acme.mes.adjustment.v1",
            {"sku": "EXT-API", "location": "WH-STOCK", "quantity": 5},
        )
        plain = self.adjustment(3, msg_id="press-7-000001")
        self.publish(event, plain, event, plain)
        self.wait_handled(4)
        consumer.stop_it()
        self.assertEqual(self.on_hand(self.product), 8)
        self.assertEqual(self.inbound().mapped("state"), ["done", "done", "duplicate", "duplicate"])
        self.assertEqual(self.inbound()[1].external_id, "press-7-000001")
        self.assertEqual(set(self.inbound().mapped("source")), {"broker"})
        self.assertOutboxMatchesStockLedger()

    def test_messages_wait_in_the_session_while_the_consumer_is_down(self):
        self.start_consumer().stop_it()  # the session exists at the broker
        self.publish(self.adjustment(2), self.adjustment(4))
        consumer = self.start_consumer()
        self.wait_handled(2)
        consumer.stop_it()
        self.assertEqual(self.on_hand(self.product), 6)
        self.assertOutboxMatchesStockLedger()

    @mute_logger("odoo.sql_db")
    def test_event_recorded_meanwhile_by_another_transaction_is_a_duplicate(self):
        message = {"body": self.adjustment(2, msg_id="race-1"), "message_id": None, "origin": "t"}
        self.assertEqual(self.backend._mq_receive([message])[0]["state"], "done")
        Inbound = type(self.env["stock.sync.inbound"])
        original, looks = Inbound._original, []

        def unseen_once(inbound, backend, event_id):
            # The first look misses it, as when another transaction has just recorded it.
            looks.append(event_id)
            return inbound.browse() if len(looks) == 1 else original(inbound, backend, event_id)

        with patch.object(Inbound, "_original", unseen_once):
            answers = self.backend._mq_receive([message])
        self.assertEqual(answers[0]["status"], "duplicate")
        self.assertEqual(len(looks), 2, "recorded again after the unique violation")
        records = self.inbound()
        self.assertEqual(records.mapped("state"), ["done", "duplicate"])
        self.assertEqual(records[1].duplicate_of_id, records[0])
        self.assertEqual(self.on_hand(self.product), 2)
        self.assertOutboxMatchesStockLedger()

    def test_consumer_killed_between_apply_and_ack_applies_once(self):
        self.check_crash_between_commit_and_ack(MqttConsumer)

    @mute_logger("odoo.addons.stock_sync_mq.models.stock_sync_backend")
    def test_poison_is_logged_acked_and_blocks_nothing(self):
        Backend = type(self.env["stock.sync.backend"])
        original = Backend._mq_receive_one

        def poisoned(backend, inbound, message):
            if b"POISON" in message["body"]:
                raise RuntimeError("boom")
            return original(backend, inbound, message)

        self.startPatcher(patch.object(Backend, "_mq_receive_one", poisoned))
        consumer = self.start_consumer()
        self.publish(
            self.adjustment(1, msg_id="before"),
            self.adjustment(1, msg_id="POISON"),
            self.adjustment(2, sku="EXT-CTN", msg_id="after"),
        )
        self.wait_handled(3)
        consumer.stop_it()
        records = self.inbound()
        self.assertEqual(records.mapped("state"), ["done", "rejected", "done"])
        self.assertIn("Unexpected RuntimeError", records[1].error)
        self.assertEqual((self.on_hand(self.product), self.on_hand(self.carton)), (1, 2))
        # Acknowledged: a new session start gets nothing again.
        consumer = self.start_consumer()
        time.sleep(1.5)
        consumer.stop_it()
        self.assertEqual(self.handled, 3)
        self.assertOutboxMatchesStockLedger()

    def receive_messages(self, *bodies):
        messages = [{"body": body, "message_id": None, "origin": "t"} for body in bodies]
        return self.backend._mq_receive(messages)

    def test_one_savepoint_per_applied_message(self):
        Cursor = type(self.env.cr)
        original, opened = Cursor.savepoint, []

        def counting(cr, flush=True):
            opened.append(flush)
            return original(cr, flush)

        bodies = [self.adjustment(1, msg_id=f"sp-{n}") for n in range(3)]
        with patch.object(Cursor, "savepoint", counting):
            answers = self.receive_messages(*bodies, bodies[0])
        self.assertEqual(
            [(a["status"], a.get("state")) for a in answers],
            [("accepted", "done")] * 3 + [("duplicate", None)],
        )
        # Recorded, applied and written done together: one savepoint per message.
        self.assertEqual(len(opened), 4)
        self.assertEqual(self.inbound().mapped("attempts"), [1, 1, 1, 0])
        self.assertEqual(self.on_hand(self.product), 3)
        self.assertOutboxMatchesStockLedger()

    @mute_logger(
        "odoo.addons.stock_sync_connector.models.stock_sync_inbound",
        "odoo.addons.stock_sync_mq.models.stock_sync_backend",
    )
    def test_failure_while_recording_a_failure_refuses_only_that_message(self):
        Inbound = type(self.env["stock.sync.inbound"])

        def alert_fails(records, reason):
            raise RuntimeError("no alert")

        self.startPatcher(patch.object(Inbound, "_alert_warehouse_team", alert_fails))
        answers = self.receive_messages(
            self.adjustment(1, msg_id="ok-1"),
            self.adjustment(-9, msg_id="held"),
            self.adjustment(2, msg_id="ok-2"),
        )
        self.assertEqual([a["state"] for a in answers], ["done", "error", "done"])
        held = self.inbound(external_id="held")
        # Still the event it is (deduplicated, retryable), in error with what happened.
        self.assertRecordValues(held, [{"state": "error", "dedup_key": "held", "attempts": 1}])
        self.assertIn("HeldNegative", held.error)
        self.assertIn("RuntimeError", held.error)
        self.assertFalse(held.move_ids)
        self.assertEqual(self.on_hand(self.product), 3)
        self.assertOutboxMatchesStockLedger()

    @mute_logger(
        "odoo.addons.stock_sync_connector.models.stock_sync_inbound",
        "odoo.addons.stock_sync_mq.models.stock_sync_backend",
    )
    def test_failure_that_cannot_be_recorded_refuses_only_that_message(self):
        Inbound = type(self.env["stock.sync.inbound"])
        original = Inbound._record_failure

        def fails_for_held(record, exc, values):
            if record.external_id == "held":
                raise RuntimeError("no outcome")
            return original(record, exc, values)

        self.startPatcher(patch.object(Inbound, "_record_failure", fails_for_held))
        answers = self.receive_messages(
            self.adjustment(1, msg_id="ok-1"),
            self.adjustment(-9, msg_id="held"),
            self.adjustment(1, sku="EXT-UNKNOWN", msg_id="unmapped"),
            self.adjustment(2, msg_id="ok-2"),
        )
        self.assertEqual(
            [(a["status"], a.get("state")) for a in answers],
            [
                ("accepted", "done"),
                ("rejected", None),
                ("accepted", "waiting_mapping"),
                ("accepted", "done"),
            ],
        )
        records = self.inbound()
        self.assertEqual(records.mapped("state"), ["done", "rejected", "waiting_mapping", "done"])
        self.assertIn("Not applied: an unexpected RuntimeError", records[1].error)
        self.assertEqual(self.on_hand(self.product), 3)
        self.assertOutboxMatchesStockLedger()
