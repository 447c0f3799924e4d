"""Inbound from a real RabbitMQ queue: manual acks after commit, prefetch, bad input.

Also a scale test: 2,000 messages across 50 products, with 100 duplicates, in
order per product and applied exactly once (in the test's one transaction; the
10,000-message test, on committed transactions: tests/test_mq_inbound_scale.py
at the repository's root).
"""

import json
import random

import pika

from odoo import Command
from odoo.tests import tagged

from ..services.consumer import AmqpConsumer
from .brokers import RabbitMQ
from .common import MqCase

QUEUE = "machine-counts"


@tagged("post_install", "-at_install")
class TestAmqpInbound(MqCase):
    broker_class = RabbitMQ
    kind = "amqp"
    subscriptions = QUEUE

    def setUp(self):
        super().setUp()
        with self.connect() as connection:
            channel = connection.channel()
            channel.queue_declare(QUEUE, durable=True)
            channel.queue_purge(QUEUE)

    def connect(self):
        return pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", self.broker.port))

    def publish(self, *bodies, message_id=None):
        with self.connect() as connection:
            channel = connection.channel()
            channel.confirm_delivery()
            for body in bodies:
                channel.basic_publish(
                    "",
                    QUEUE,
                    body,
                    pika.BasicProperties(delivery_mode=2, message_id=message_id),
                )

    def queue_depth(self):
        with self.connect() as connection:
            return connection.channel().queue_declare(QUEUE, passive=True).method.message_count

    def test_bad_input_logged_acked_nothing_written(self):
        self.receive([(self.product, 5)])
        wh = self.other_warehouse
        other = (
            self.env["stock.picking"]
            .with_company(self.other_company)
            .create(
                {
                    "picking_type_id": wh.in_type_id.id,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": wh.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": "other",
                                "product_id": self.product.id,
                                "product_uom_qty": 3,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": wh.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        other.action_confirm()
        moves_before = self.env["stock.move"].search_count([])
        consumer = self.start_consumer()
        bad = [
            b'{"msg_id": "m-json", "type": "adjustment", "data": {',
            self.adjustment(1, sku="EXT-UNKNOWN", msg_id="m-sku"),
            self.adjustment(1, unit="CRATE", msg_id="m-unit"),
            json.dumps(
                {
                    "msg_id": "m-neg",
                    "type": "count",
                    "data": {"sku": "EXT-API", "location": "WH-STOCK", "quantity": -3},
                }
            ).encode(),
            self.adjustment(-9, msg_id="m-below-zero"),
            self.adjustment(1, msg_id="m-big", note="x" * 5000),
            json.dumps(
                {
                    "msg_id": "m-company",
                    "type": "receipt_confirmed",
                    "data": {"reference": other.name, "lines": [{"sku": "EXT-API", "quantity": 3}]},
                }
            ).encode(),
            b'{"type": "adjustment", "data": {}}',
        ]
        self.publish(*bad)
        self.wait_handled(len(bad))
        consumer.stop_it()
        self.assertEqual(self.queue_depth(), 0, "every message is acknowledged")
        records = self.inbound()
        self.assertEqual(len(records), len(bad))
        expected = [
            ("rejected", "Malformed JSON"),
            ("waiting_mapping", "external SKU 'EXT-UNKNOWN'"),
            ("waiting_mapping", "external unit 'CRATE'"),
            ("rejected", "'data.quantity' must be at least 0, got -3"),
            ("held_negative", "would leave -4"),
            ("rejected", "more than this backend's limit of 4 KiB"),
            ("rejected", f"No transfer {other.name} in the backend's company"),
            ("rejected", "no id"),
        ]
        for record, (state, words) in zip(records, expected, strict=True):
            self.assertEqual(record.state, state, record.error)
            self.assertIn(words, record.error)
        self.assertEqual(self.on_hand(self.product), 5, "nothing half-written")
        self.assertEqual(self.env["stock.move"].search_count([]), moves_before)
        self.assertOutboxMatchesStockLedger()

    def test_dedup_by_cloudevents_id_and_message_id_property(self):
        consumer = self.start_consumer()
        event = self.cloudevent(
            "com.acme.wms.count.v1", {"sku": "EXT-API", "location": "WH-STOCK", "quantity": 12}
        )
        plain = json.dumps(
            {
                "type": "adjustment",
                "data": {"sku": "EXT-CTN", "location": "WH-STOCK", "quantity": 2},
            }
        ).encode()
        self.publish(event, event)
        self.publish(plain, plain, message_id="scale-42")
        self.wait_handled(4)
        consumer.stop_it()
        self.assertEqual(self.inbound().mapped("state"), ["done", "duplicate", "done", "duplicate"])
        self.assertEqual(self.inbound()[2].external_id, "scale-42")
        self.assertEqual((self.on_hand(self.product), self.on_hand(self.carton)), (12, 2))
        self.assertOutboxMatchesStockLedger()

    def test_consumer_killed_between_apply_and_ack_applies_once(self):
        self.check_crash_between_commit_and_ack(AmqpConsumer)
        self.assertEqual(self.queue_depth(), 0)

    def test_many_messages_across_keys_in_order_exactly_once(self):
        keys, per_key, duplicates = 50, 40, 100
        products = self.env["product.product"].create(
            [{"name": f"Component {i}", "is_storable": True} for i in range(keys)]
        )
        self.env["stock.sync.xref.product"].create(
            [
                {"backend_id": self.backend.id, "external_code": f"C-{p.id}", "product_id": p.id}
                for p in products
            ]
        )
        messages = [
            self.adjustment(1, sku=f"C-{p.id}", msg_id=f"C-{p.id}-{n}", sequence=n)
            for n in range(per_key)
            for p in products
        ]
        rng = random.Random(17)
        # Redeliveries by the sender (the same message again), each after its original.
        for _i in range(duplicates):
            index = rng.randrange(len(messages))
            messages.insert(rng.randrange(index + 1, len(messages) + 1), messages[index])
        consumer = self.start_consumer()
        self.publish(*messages)
        self.wait_handled(len(messages), timeout=600)
        consumer.stop_it()
        self.assertEqual(self.queue_depth(), 0)
        # Read back in SQL: quicker than thousands of records through the ORM.
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state, product_id, payload FROM stock_sync_inbound"
            " WHERE backend_id = %s ORDER BY id",
            (self.backend.id,),
        )
        rows = self.env.cr.fetchall()
        self.assertEqual(len(rows), keys * per_key + duplicates)
        self.assertEqual(sum(state == "duplicate" for state, _p, _d in rows), duplicates)
        applied = {}
        for state, product_id, payload in rows:
            if state != "duplicate":
                self.assertEqual(state, "done")
                applied.setdefault(product_id, []).append(json.loads(payload)["data"]["sequence"])
        self.assertEqual(
            applied,
            {p.id: list(range(per_key)) for p in products},
            "each message applied once, in order per product",
        )
        self.env.cr.execute(
            "SELECT product_id, count(*) FROM stock_move"
            " WHERE product_id IN %s AND state = 'done' AND is_inventory GROUP BY product_id",
            (tuple(products.ids),),
        )
        self.assertEqual(dict(self.env.cr.fetchall()), dict.fromkeys(products.ids, per_key))
        self.env.cr.execute(
            "SELECT product_id, sum(quantity) FROM stock_quant"
            " WHERE product_id IN %s AND location_id = %s GROUP BY product_id",
            (tuple(products.ids), self.stock.id),
        )
        self.assertEqual(dict(self.env.cr.fetchall()), dict.fromkeys(products.ids, per_key))
        self.assertOutboxMatchesStockLedger(products=products)
