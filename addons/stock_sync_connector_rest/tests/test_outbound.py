"""Outbound: an outbox endpoint sending through the REST backend, on the engine's guarantees."""

from odoo.tests import tagged

from odoo.addons.stock_sync_connector.tests.common import OutboundMixin

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestOutbound(OutboundMixin, WmsCase):
    endpoint_name = "WMS through the backend"

    def test_a_receipt_reaches_the_wms_after_a_5xx(self):
        self.assertEqual(self.backend_endpoint.url, self.sim.url, "the URL comes from the backend")
        self.sim.fault("status", status=503)
        picking = self.receive([(self.product, 5)])
        delivery = self.deliveries(picking)
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "http_5xx"}])
        self.assertEqual(
            [call[2] for call in self.sim.calls if call[1] == "/api/v1/movements"],
            [503],
            "a POST is never retried by the HTTP client: the engine retries it, durably",
        )
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])
        (movement,) = self.sim.movements.values()
        event = self.events_of(picking)
        self.assertEqual(list(self.sim.movements), [event.event_uuid], "Idempotency-Key")
        self.assertEqual(
            {k: movement[k] for k in ("sku", "quantity", "unit", "from", "to", "operation")},
            {
                "sku": "EXT-API",
                "quantity": 0.5,
                "unit": "BOX10",
                "from": None,
                "to": "WH-STOCK",
                "operation": "receipt",
            },
        )
        self.assertEqual(self.sim.stock[("EXT-API", "WH-STOCK")], 0.5)
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_a_product_without_external_sku_is_a_dead_letter_naming_it(self):
        picking = self.receive([(self.carton, 2), (self.product, 1)])
        self.dispatch()
        carton, product = (
            self.deliveries(picking).filtered(lambda d, p=p: d.event_id.product_id == p)
            for p in (self.carton, self.product)
        )
        self.assertEqual(carton.state, "dead")
        self.assertIn("Product PKG-9 has no external SKU", carton.error_message)
        self.assertEqual(product.state, "delivered", "other products' events go on")
        self.assertOutboxMatchesStockLedger()

    def test_a_wms_that_does_not_answer_is_a_timeout_then_retried(self):
        self.backend.read_timeout = 0.5
        self.sim.fault("timeout", delay=2)
        picking = self.receive([(self.product, 1)])
        self.dispatch()
        self.assertRecordValues(
            self.deliveries(picking), [{"state": "failed", "error_class": "timeout"}]
        )
        self.make_due()
        self.dispatch()
        self.assertRecordValues(self.deliveries(picking), [{"state": "delivered"}])
        self.assertEqual(len(self.sim.movements), 1)
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_refused_credentials_wait_without_counting_attempts(self):
        self.sim.api_key = "rotated"
        picking = self.receive([(self.product, 1)])
        self.dispatch()
        self.assertRecordValues(self.deliveries(picking), [{"state": "failed", "attempts": 0}])
        self.assertIn("check its URL and secrets", self.deliveries(picking).error_message)
