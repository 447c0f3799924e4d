"""Committed-transaction tests of stock_sync_mq: a broker backend and its clean-up.

The consumer (a thread of the test process, or the real process) commits its
own transactions, so everything it reads is committed first and deleted at
the end (``CommittedCase``).
"""

import uuid

from committed_case import CommittedCase

from odoo.addons.stock_sync.tests.common import StockSyncCase


class MqCommittedCase(CommittedCase):
    broker_class = None  # tests/brokers.py's Mosquitto or RabbitMQ

    def setUp(self):
        super().setUp()
        self.broker = self.broker_class().start()
        self.addCleanup(self.broker.stop)
        self.tag = uuid.uuid4().hex[:10]
        self.product_ids, self.backend_id = [], None
        with self.env_cr() as env:
            self.company_id = env.ref("base.main_company").id
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", self.company_id)], limit=1
            )
            self.stock_id = warehouse.lot_stock_id.id
        self.addCleanup(self.delete_committed)

    def make_backend(self, kind, products, subscriptions, **values):
        """A committed broker backend mapping ``products`` (``{sku: product id}``) and
        WH/Stock (``WH-STOCK``); returns its ``BrokerSettings``."""
        self.product_ids += list(products.values())
        with self.env_cr() as env:
            backend = env["stock.sync.backend"].create(
                dict(
                    name=f"Committed test broker {self.tag}",
                    kind=kind,
                    base_url=self.broker.url,
                    auth_type="none",
                    connect_timeout=2.0,
                    mq_subscriptions=subscriptions,
                    mq_message_id_field="msg_id",
                    **values,
                )
            )
            self.backend_id = backend.id
            env["stock.sync.xref.product"].create(
                [
                    {"backend_id": backend.id, "external_code": sku, "product_id": product_id}
                    for sku, product_id in products.items()
                ]
            )
            env["stock.sync.xref.location"].create(
                {
                    "backend_id": backend.id,
                    "external_code": "WH-STOCK",
                    "location_id": self.stock_id,
                }
            )
            return backend._mq_settings()

    def delete_committed(self):
        if self.backend_id:
            with self.env_cr() as env:
                env.cr.execute(
                    "DELETE FROM stock_sync_inbound WHERE backend_id = %s", (self.backend_id,)
                )
                env["stock.sync.backend"].browse(self.backend_id).unlink()
        if self.product_ids:
            self.delete_stock_of(self.product_ids, self.company_id)

    def assert_ledger(self):
        """The ledger assertion: the outbox's movement events replay to the done move lines."""
        with self.env_cr() as env:
            products = set(self.product_ids)
            outbox, n_events = StockSyncCase._outbox_ledger(env, products, None, None)
            odoo, n_lines = StockSyncCase._odoo_ledger(env, products, None)
            self.assertTrue(n_events and n_lines, "nothing moved: the ledger proves nothing")
            self.assertEqual(StockSyncCase._ledger_differences(env, outbox, odoo), [])
