"""10,000 broker messages across 50 products, with duplicates, on committed transactions.

The production consumer (``services/consumer``, AMQP, manual acks after
commit, its in-flight window of 50) runs in a thread against our own RabbitMQ
and this database: each of its transactions commits, as in production (in one
test transaction, 10,000 adjustments of 50 quants slow down quadratically:
PostgreSQL keeps every row version the transaction wrote). The sender
redelivers 100 messages. Every message is applied exactly once, in order per
product, and the outbox still replays to the stock ledger.
"""

import json
import random
import threading
import time

import pika
from mq_committed_case import MqCommittedCase

from odoo import SUPERUSER_ID
from odoo.tests import tagged

from odoo.addons.stock_sync_mq.services import consumer as consumer_service
from odoo.addons.stock_sync_mq.tests.brokers import RabbitMQ

QUEUE = "machine-counts-scale"
KEYS, PER_KEY, DUPLICATES = 50, 200, 100


@tagged("post_install", "-at_install")
class TestMqInboundScale(MqCommittedCase):
    broker_class = RabbitMQ

    def test_ten_thousand_messages_in_order_per_key_exactly_once(self):
        with self.env_cr() as env:
            products = env["product.product"].create(
                [{"name": f"Scale part {self.tag} {i}", "is_storable": True} for i in range(KEYS)]
            )
            skus = {f"S-{product.id}": product.id for product in products}
        settings = self.make_backend("amqp", skus, QUEUE, mq_prefetch=50)
        messages = [
            json.dumps(
                {
                    "msg_id": f"{sku}-{n}",
                    "type": "adjustment",
                    "data": {"sku": sku, "location": "WH-STOCK", "quantity": 1, "sequence": n},
                }
            ).encode()
            for n in range(PER_KEY)
            for sku in skus
        ]
        rng = random.Random(17)
        # Redeliveries by the sender (the same message again), each after its original.
        for _i in range(DUPLICATES):
            index = rng.randrange(len(messages))
            messages.insert(rng.randrange(index + 1, len(messages) + 1), messages[index])

        handled, cond = [0], threading.Condition()
        handle = consumer_service.odoo_handler(self.registry, self.backend_id, SUPERUSER_ID)

        def counting(batch):
            handle(batch)
            with cond:
                handled[0] += len(batch)
                cond.notify_all()

        stop = threading.Event()
        consumer = consumer_service.AmqpConsumer(settings, counting, stop)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 30)
        self.addCleanup(stop.set)
        self.assertTrue(consumer.ready.wait(30), "the consumer did not subscribe")
        self.publish(messages)
        deadline = time.monotonic() + 900
        with cond:
            while handled[0] < len(messages) and time.monotonic() < deadline:
                cond.wait(1)
        stop.set()
        thread.join(30)
        self.assertEqual(handled[0], len(messages), "messages not applied in time")
        self.assertEqual(self.queue_depth(), 0, "every message acknowledged")

        with self.env_cr() as env:
            env.cr.execute(
                "SELECT state, product_id, payload FROM stock_sync_inbound"
                " WHERE backend_id = %s ORDER BY id",
                (self.backend_id,),
            )
            rows = env.cr.fetchall()
            env.cr.execute(
                "SELECT product_id, count(*) FROM stock_move WHERE product_id IN %s"
                " AND state = 'done' AND is_inventory GROUP BY product_id",
                (tuple(skus.values()),),
            )
            moves = dict(env.cr.fetchall())
            env.cr.execute(
                "SELECT product_id, sum(quantity) FROM stock_quant"
                " WHERE product_id IN %s AND location_id = %s GROUP BY product_id",
                (tuple(skus.values()), self.stock_id),
            )
            on_hand = dict(env.cr.fetchall())
        self.assertEqual(len(rows), KEYS * PER_KEY + DUPLICATES)
        self.assertEqual(sum(state == "duplicate" for state, _p, _d in rows), DUPLICATES)
        applied = {}
        for state, product_id, payload in rows:
            if state != "duplicate":
                self.assertEqual(state, "done", payload)
                applied.setdefault(product_id, []).append(json.loads(payload)["data"]["sequence"])
        self.assertEqual(
            applied,
            {product_id: list(range(PER_KEY)) for product_id in skus.values()},
            "each message applied once, in order per product",
        )
        self.assertEqual(moves, dict.fromkeys(skus.values(), PER_KEY), "one move per message")
        self.assertEqual(on_hand, dict.fromkeys(skus.values(), PER_KEY))
        self.assert_ledger()

    def connect(self):
        return pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", self.broker.port))

    def publish(self, bodies):
        """Persistent messages, each confirmed by the broker."""
        with self.connect() as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            for body in bodies:
                channel.basic_publish(
                    "", QUEUE, body, pika.BasicProperties(delivery_mode=2), mandatory=True
                )

    def queue_depth(self):
        with self.connect() as connection:
            return connection.channel().queue_declare(QUEUE, passive=True).method.message_count
