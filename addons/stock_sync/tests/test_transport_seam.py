"""The engine's guarantees hold on any transport: proven with a test-only one.

Retries, splitting, parking, dead letters, KPIs and signatures belong to the
engine; ``MemoryTransport`` only receives batches and answers what each test
scripts, per batch or per event.
"""

import json

from standardwebhooks.webhooks import Webhook

from odoo.tests import tagged

from ..services import transport
from ..services.transport import SendResult
from .common import StockSyncCase, memory_transport


@tagged("post_install", "-at_install")
class TestTransportSeam(StockSyncCase):
    def setUp(self):
        super().setUp()
        self.memory = self.enterContext(memory_transport(self.env))
        self.endpoint.write({"transport": "memory", "cadence_bulk": "realtime"})
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)

    def test_batches_are_signed_by_the_engine_and_keep_key_order(self):
        deliveries = self.events_of(
            self.receive([(self.product, 1), (self.carton, 2)]) | self.receive([(self.product, 3)])
        ).delivery_ids
        self.assertEqual(self.dispatch(), 3)
        self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
        (batch,) = self.memory.batches
        Webhook(self.endpoint.secret_ids.secret).verify(batch.body, batch.headers)
        self.assertEqual(batch.content_type, "application/cloudevents-batch+json")
        sequences = [
            event["sequence"]
            for event in json.loads(batch.body)
            if event["partitionkey"].startswith(f"product:{self.product.id}@")
        ]
        self.assertEqual(sequences, sorted(sequences))
        self.assertTrue(all(d.latency_ms >= 0 for d in deliveries), "KPIs for every transport")

    def test_a_failure_is_retried_with_backoff_by_the_engine(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.memory.answers.append(
            SendResult(transport.RETRY, error_class=transport.CONNECTION, error="broker down")
        )
        self.dispatch()
        self.assertRecordValues(
            delivery, [{"state": "failed", "attempts": 1, "error_message": "broker down"}]
        )
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])

    def test_per_event_acknowledgements_kill_only_the_refused_event(self):
        first, second = (
            self.events_of(self.receive([(self.product, qty)])).delivery_ids for qty in (1, 2)
        )
        other = self.events_of(self.receive([(self.carton, 1)])).delivery_ids
        refused = SendResult(transport.REFUSED, error_class=transport.HTTP_4XX, error="nack")
        not_sent = SendResult(transport.RETRY, error_class=transport.CONNECTION, error="not sent")

        def nack_first(batch):
            # As a broker's confirms: the first is refused, so the transport
            # sends nothing more of that key.
            first_id, second_id = batch.event_ids[:2]
            return SendResult(
                transport.DELIVERED, per_event={first_id: refused, second_id: not_sent}
            )

        self.memory.answers.append(nack_first)
        self.dispatch()
        self.assertRecordValues(
            first | second | other,
            [{"state": "dead"}, {"state": "parked"}, {"state": "delivered"}],
        )
        self.assertIn("Dead inventory events", self.endpoint.activity_ids[0].summary)

    def test_an_endpoint_problem_waits_without_attempts(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.memory.answers.append(
            SendResult(
                transport.REFUSED,
                error_class=transport.CONFIG,
                error="broker refused our credentials",
                endpoint_problem=True,
            )
        )
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "attempts": 0}])
        self.assertEqual(self.endpoint.problem_streak, 1)
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 1}])
        self.assertEqual(self.endpoint.problem_streak, 0)

    def test_a_bug_in_a_transport_is_an_internal_error_with_its_traceback(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.memory.answers.append(ZeroDivisionError("bug in a transport"))
        with self.assertLogs("odoo.addons.stock_sync.models.stock_sync_dispatcher", "ERROR"):
            self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "internal"}])
        self.assertIn("ZeroDivisionError: bug in a transport", delivery.error_traceback)
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "error_traceback": False}])
