"""Broker backends on real brokers started by the tests (``brokers.py``).

* :class:`MqCase`: a broker of the class's kind on free ports, a backend and
  an endpoint of that kind, cross-references for inbound messages; the
  dispatcher and the consumer run in Odoo's test mode (their cursors share
  the test's transaction, and "commit" releases a savepoint);
* ``start_consumer()``: the production consumer (``services/consumer``) in a
  thread; ``wait_handled(n)`` waits until n messages were applied and
  committed; the consumer is stopped before the test reads the database.
"""

import json
import threading
import time
import uuid

from odoo import SUPERUSER_ID, Command, fields
from odoo.tools import mute_logger

from odoo.addons.stock_sync.tests.common import StockSyncCase

from ..services import consumer as consumer_service


class Crash(BaseException):
    """The consumer process dies: nothing after this point runs."""


def crash_after_commit(consumer_class):
    """A ``consumer_class`` that applies and commits, then dies before acknowledging."""

    class CrashAfterCommit(consumer_class):
        crashed = False

        def apply(self, messages):
            if super().apply(messages):
                raise Crash  # committed, not acknowledged
            return False

        def run(self):
            try:
                self.consume()
            except Crash:
                self.crashed = True

    return CrashAfterCommit


class MqCase(StockSyncCase):
    broker_class = None
    kind = None
    subscriptions = ""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # These tests kill brokers and refuse logins on purpose: pika logs each lost
        # connection at ERROR, which the suite's runner would count as a failure.
        cls.enterClassContext(mute_logger("pika"))
        cls.broker = cls.broker_class().start()
        cls.addClassCleanup(cls.broker.stop)
        cls.endpoint.active = False  # the base class's HTTP endpoint: not these tests'
        cls.other_company = cls.env["res.company"].create({"name": "Other plant"})
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": f"Test {cls.kind} broker",
                "kind": cls.kind,
                "base_url": cls.broker.url,
                "auth_type": "none",
                "connect_timeout": 2.0,
                "read_timeout": 5.0,
                "max_body_kb": 4,
                "mq_topic_prefix": "plant1/inventory",
                "mq_exchange": "inventory",
                "mq_subscriptions": cls.subscriptions,
                "mq_message_id_field": "msg_id",
                "mq_prefetch": 50,
                "alert_user_id": cls.stock_manager.id,
            }
        )
        xref = cls.env["stock.sync.xref.product"]
        xref.create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-API",
                    "product_id": cls.product.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-CTN",
                    "product_id": cls.carton.id,
                },
            ]
        )
        cls.env["stock.sync.xref.location"].create(
            {"backend_id": cls.backend.id, "external_code": "WH-STOCK", "location_id": cls.stock.id}
        )
        cls.env["stock.sync.xref.uom"].create(
            {
                "backend_id": cls.backend.id,
                "external_code": "BOX10",
                "uom_id": cls.product.uom_id.id,
                "factor": 10,
            }
        )
        cls.mq_endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": f"Test {cls.kind} endpoint",
                "transport": cls.kind,
                "backend_id": cls.backend.id,
                "timeout": 5.0,
                "batch_size": 100,
                "cadence_bulk": "realtime",
                "secret_ids": [Command.create({})],
            }
        )
        cls.secret = cls.mq_endpoint.secret_ids.secret

    def setUp(self):
        super().setUp()
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        self.handled = 0
        self.handled_cond = threading.Condition()

    # -- outbound ------------------------------------------------------------
    dispatch_budget = 20

    def emit_notes(self, products, per_product):
        """``per_product`` test notes for each product, interleaved; returns {key: [n...]}."""
        from odoo.addons.stock_sync.services.event_draft import EventDraft  # noqa: PLC0415

        self.declare_test_note_type()
        drafts = [
            EventDraft(
                company=self.company,
                product=product,
                occurred_at=fields.Datetime.now(),
                data={"n": n},
                operation="adjustment",
            )
            for n in range(per_product)
            for product in products
        ]
        return self.env["stock.sync.event"].emit("odoo.stock_sync.test_note.v1", drafts)

    def deliveries(self):
        self.env.invalidate_all()
        return self.env["stock.sync.delivery"].search([("endpoint_id", "=", self.mq_endpoint.id)])

    @staticmethod
    def assert_order_per_key(test, received, expected_counts):
        """``received``: [(key, n)] as they arrived; first arrivals per key are 0, 1, 2..."""
        seen = {}
        for key, n in received:
            firsts = seen.setdefault(key, [])
            if n not in firsts:
                firsts.append(n)
        test.assertEqual(
            {key: firsts for key, firsts in seen.items()},
            {key: list(range(count)) for key, count in expected_counts.items()},
        )

    # -- inbound -------------------------------------------------------------
    def start_consumer(self, consumer_class=None, handle=None):
        """The production consumer of the backend, in a thread; returns it."""
        self.env.flush_all()
        settings = self.backend._mq_settings()
        handle = handle or consumer_service.odoo_handler(
            self.registry, self.backend.id, SUPERUSER_ID
        )

        def counting(messages):
            result = handle(messages)
            with self.handled_cond:
                self.handled += len(messages)
                self.handled_cond.notify_all()
            return result

        stop = threading.Event()
        cls = consumer_class or consumer_service.consumer_for(settings, None, stop).__class__
        consumer = cls(settings, counting, stop)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        consumer.thread = thread
        self.assertTrue(consumer.ready.wait(20), "the consumer did not subscribe")

        def stop_it():
            stop.set()
            thread.join(20)

        consumer.stop_it = stop_it
        self.addCleanup(stop_it)
        return consumer

    def check_crash_between_commit_and_ack(self, consumer_class):
        """A consumer thread dies after its commit, before its ack: applied once.

        The broker delivers the unacknowledged message again to the next
        consumer, which records it as a duplicate. (The real process killed
        with SIGKILL: tests/test_mq_consumer_kill.py at the repository's root.)
        """
        crashed = self.start_consumer(consumer_class=crash_after_commit(consumer_class))
        self.publish(self.adjustment(7, msg_id="m-1"))
        self.wait_handled(1)
        crashed.thread.join(10)
        self.assertTrue(crashed.crashed)
        consumer = self.start_consumer()  # the unacknowledged message comes again
        self.wait_handled(2)
        consumer.stop_it()
        self.assertEqual(self.on_hand(self.product), 7)
        self.assertEqual(self.inbound().mapped("state"), ["done", "duplicate"])
        self.assertOutboxMatchesStockLedger()

    def wait_handled(self, count, timeout=120):
        deadline = time.monotonic() + timeout
        with self.handled_cond:
            while self.handled < count and time.monotonic() < deadline:
                self.handled_cond.wait(0.5)
        self.assertGreaterEqual(self.handled, count, "messages not applied in time")

    def inbound(self, **domain):
        self.env.invalidate_all()
        return self.env["stock.sync.inbound"].search(
            [("backend_id", "=", self.backend.id)]
            + [(name, "=", value) for name, value in domain.items()],
            order="id",
        )

    def on_hand(self, product, location=None):
        self.env.invalidate_all()
        return product.with_context(location=(location or self.stock).id).qty_available

    @staticmethod
    def adjustment(quantity, sku="EXT-API", location="WH-STOCK", msg_id=None, **data):
        """A machine's count as plain JSON, identified by ``msg_id``."""
        return json.dumps(
            {
                "msg_id": msg_id or uuid.uuid4().hex,
                "type": "adjustment",
                "data": dict(sku=sku, location=location, quantity=quantity, **data),
            }
        ).encode()

    @staticmethod
    def cloudevent(event_type, data, event_id=None, sequence=None):
        event = {
            "specversion": "1.0",
            "id": event_id or str(uuid.uuid4()),
            "source": "/plant1/press-7",
            "type": event_type,
            "time": "2026-11-30T10:00:00Z",
            "datacontenttype": "application/json",
            "data": data,
        }
        if sequence is not None:
            event["sequence"] = str(sequence)
        return json.dumps(event).encode()
