"""Events out to a real RabbitMQ: a topic exchange, persistent messages, publisher confirms.

A broker killed (SIGKILL) in the middle of a batch costs no event and no
order: what it confirmed is delivered, the rest is retried once it is back.
"""

import json
import threading
import time

import pika

from odoo.tests import tagged

from odoo.addons.stock_sync.services import webhook_signature

from .brokers import RabbitMQ
from .common import MqCase

QUEUE = "test-wms-inventory"


@tagged("post_install", "-at_install")
class TestAmqpOutbound(MqCase):
    broker_class = RabbitMQ
    kind = "amqp"

    def setUp(self):
        super().setUp()
        self.bind_queue()

    def connect(self):
        return pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", self.broker.port))

    def bind_queue(self):
        """A subscriber's durable queue bound to every key of the exchange, emptied."""
        with self.connect() as connection:
            channel = connection.channel()
            channel.exchange_declare("inventory", "topic", durable=True)
            channel.queue_declare(QUEUE, durable=True)
            channel.queue_bind(QUEUE, "inventory", "#")
            channel.queue_purge(QUEUE)

    def drain(self):
        """Every message in the queue, in order: (method, properties, body)."""
        got = []
        with self.connect() as connection:
            channel = connection.channel()
            while True:
                method, properties, body = channel.basic_get(QUEUE, auto_ack=True)
                if method is None:
                    return got
                got.append((method, properties, body))

    def test_publish_confirm_persistent_signed(self):
        with self.capture_events() as captured:
            self.receive([(self.product, 5), (self.carton, 7)])
        self.assertEqual(self.dispatch(), 2)
        received = self.drain()
        self.assertEqual(len(received), 2)
        for method, properties, body in received:
            event = json.loads(body)
            self.assertEventMatchesSchema(event)
            self.assertEqual(method.routing_key, event["partitionkey"])
            self.assertEqual(properties.content_type, "application/cloudevents+json")
            self.assertEqual(properties.delivery_mode, 2)
            self.assertEqual(properties.message_id, event["id"])
            headers = {
                k: v.decode() if isinstance(v, bytes) else v for k, v in properties.headers.items()
            }
            webhook_signature.verify([self.secret], headers, body)
        self.assertEqual(
            {json.loads(body)["id"] for _m, _p, body in received},
            set(captured.events.mapped("event_uuid")),
        )
        self.assertRecordValues(self.deliveries(), [{"state": "delivered"}] * 2)
        self.assertOutboxMatchesStockLedger(endpoint=self.mq_endpoint)

    def test_broker_killed_mid_batch_loses_and_reorders_nothing(self):
        products = self.product | self.carton | self.lot_product
        self.mq_endpoint.batch_size = 300
        events = self.emit_notes(products, 100)
        killer_done = threading.Event()

        def kill_when_half_there():
            with self.connect() as connection:
                channel = connection.channel()
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if (
                        channel.queue_declare(
                            QUEUE, durable=True, passive=True
                        ).method.message_count
                        >= 60
                    ):
                        break
                    time.sleep(0.005)
            self.broker.kill()
            killer_done.set()

        threading.Thread(target=kill_when_half_there, daemon=True).start()
        self.dispatch(budget=5)
        self.assertTrue(killer_done.wait(30))
        states = set(self.deliveries().mapped("state"))
        self.assertEqual(states, {"delivered", "failed"}, "killed in the middle of the batch")
        self.broker.start()
        for _round in range(5):
            self.make_due()
            self.dispatch()
            if set(self.deliveries().mapped("state")) == {"delivered"}:
                break
        self.assertEqual(set(self.deliveries().mapped("state")), {"delivered"})
        received = [json.loads(body) for _m, _p, body in self.drain()]
        self.assertEqual({e["id"] for e in received}, set(events.mapped("event_uuid")))
        self.assert_order_per_key(
            self,
            [(e["partitionkey"], e["data"]["n"]) for e in received],
            {key: 100 for key in set(events.mapped("partition_key"))},
        )

    def test_a_message_no_queue_takes_is_not_delivered(self):
        with self.connect() as connection:
            connection.channel().queue_unbind(QUEUE, "inventory", "#")
        try:
            self.receive([(self.product, 3)])
            self.dispatch()
            delivery = self.deliveries()
            self.assertRecordValues(delivery, [{"state": "failed", "error_class": "config"}])
            self.assertIn("No queue of", delivery.error_message)
            self.assertFalse(self.drain())
        finally:
            self.bind_queue()
        self.make_due()
        self.dispatch()
        self.assertEqual(self.deliveries().state, "delivered")
        self.assertEqual(len(self.drain()), 1)
        self.assertOutboxMatchesStockLedger(endpoint=self.mq_endpoint)

    def test_refused_credentials_are_an_endpoint_problem(self):
        self.backend.write({"username": "nobody", "password": "wrong"})
        self.receive([(self.product, 2)])
        self.dispatch()
        delivery = self.deliveries()
        # An endpoint problem: the event waits, no attempt counts, managers are told.
        self.assertRecordValues(
            delivery, [{"state": "failed", "attempts": 0, "error_class": "config"}]
        )
        self.assertIn("refused the user name and password", delivery.error_message)
        self.assertTrue(self.mq_endpoint.activity_ids)
        self.backend.write({"username": False, "password": False})
        self.make_due()
        self.dispatch()
        self.assertEqual(self.deliveries().state, "delivered")
