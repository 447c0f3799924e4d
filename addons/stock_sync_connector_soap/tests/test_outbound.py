"""Outbound: an outbox endpoint sending through the MES backend, on the engine's guarantees."""

import json
import uuid

from odoo.tests import tagged

from odoo.addons.stock_sync.services.transport import Batch
from odoo.addons.stock_sync_connector.tests.common import OutboundMixin

from ..services.soap_transport import MesSoapTransport
from .common import MesCase


@tagged("post_install", "-at_install")
class TestOutbound(OutboundMixin, MesCase):
    endpoint_name = "MES through the backend"

    def test_material_availability_reaches_the_mes_after_a_5xx(self):
        self.assertEqual(
            self.backend_endpoint.url, self.sim.wsdl_url, "the URL comes from the backend"
        )
        self.sim.fault("status", status=503)
        picking = self.receive([(self.product, 5)])
        delivery = self.deliveries(picking)
        self.dispatch()
        self.assertRecordValues(
            delivery, [{"state": "failed", "error_class": "http_5xx", "status_code": 503}]
        )
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])
        event = self.events_of(picking)
        operation, items = self.sim.received[event.event_uuid]
        self.assertEqual(operation, "availability")
        self.assertEqual(
            items,
            [{"sku": "EXT-API", "location": "WH-STOCK", "on_hand": 5.0, "unit": "EA", "lot": None}],
        )
        self.assertEqual(self.sim.stock[("EXT-API", "WH-STOCK")], 5.0)
        self.receive([(self.product, 2)])
        self.dispatch()
        self.assertEqual(self.sim.stock[("EXT-API", "WH-STOCK")], 7.0, "the MES's own stock")
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_server_fault_is_retried_client_fault_is_a_dead_letter(self):
        self.sim.fault("soap_fault", code="Server.Busy", message="try later")
        picking = self.receive([(self.product, 1)])
        self.dispatch()
        delivery = self.deliveries(picking)
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "http_5xx"}])
        self.assertIn("SOAP fault soap:Server.Busy: try later", delivery.error_message)
        self.sim.known_skus = {"EXT-BOX"}
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "dead", "error_class": "http_4xx"}])
        self.assertIn("Client.UnknownMaterial", delivery.error_message)
        self.assertIn("Unknown material EXT-API", delivery.error_message)
        box = self.receive([(self.carton, 3)])
        self.dispatch()
        self.assertRecordValues(self.deliveries(box), [{"state": "delivered"}])
        self.assertOutboxMatchesStockLedger()

    def test_timeout_malformed_and_invalid_answers_are_retried(self):
        self.backend.read_timeout = 0.5
        picking = self.receive([(self.product, 1)])
        delivery = self.deliveries(picking)
        for mode, error_class in (
            ("timeout", "timeout"),
            ("malformed", "invalid_response"),
            ("invalid", "invalid_response"),
        ):
            self.sim.fault(mode, delay=2)
            self.make_due()
            self.dispatch()
            self.assertRecordValues(delivery, [{"state": "failed", "error_class": error_class}])
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 4}])
        self.assertEqual(len(self.sim.received), 1)
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_a_repeat_is_acknowledged_as_duplicate(self):
        picking = self.receive([(self.product, 1)])
        event = self.events_of(picking)
        self.sim.received[event.event_uuid] = ("availability", [])
        self.dispatch()
        self.assertRecordValues(
            self.deliveries(picking), [{"state": "delivered", "response_excerpt": "duplicate"}]
        )

    def test_unmapped_product_or_location_is_a_dead_letter_naming_it(self):
        self.env["stock.sync.xref.product"].search([("product_id", "=", self.tablet.id)]).unlink()
        picking = self.receive([(self.tablet, 2)])
        self.dispatch()
        delivery = self.deliveries(picking)
        self.assertRecordValues(delivery, [{"state": "dead", "error_class": "config"}])
        self.assertIn("Product TAB-1 has no external SKU", delivery.error_message)
        shelf = self._picking(
            self.warehouse.in_type_id, [(self.product, 1)], self.supplier_loc, self.shelf
        )
        shelf.action_confirm()
        shelf.move_ids.quantity = 1
        shelf.move_ids.picked = True
        shelf.button_validate()
        self.dispatch()
        delivery = self.deliveries(shelf)
        self.assertRecordValues(delivery, [{"state": "dead", "error_class": "config"}])
        self.assertIn(
            "Neither end of this movement is a location the MES knows", delivery.error_message
        )
        self.assertIn("Shelf A", delivery.error_message)
        self.assertFalse(self.sim.received, "nothing guessed, nothing sent")
        self.assertOutboxMatchesStockLedger()

    def test_refused_credentials_wait_without_counting_attempts(self):
        self.sim.api_key = "rotated"
        picking = self.receive([(self.product, 1)])
        self.dispatch()
        self.assertRecordValues(self.deliveries(picking), [{"state": "failed", "attempts": 0}])
        self.assertIn("refused the credentials", self.deliveries(picking).error_message)

    def test_lot_release_status(self):
        """A quality-hold event (stock_quality_hold_sync's contract) becomes ReportLotStatus."""
        context = self.backend._transport_context()
        event = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "type": "odoo.stock_quality_hold.hold.v1",
            "time": "2026-11-30T10:00:00Z",
            "partitionkey": "p1",
            "data": {
                "action": "release",
                "lot_status": "released",
                "product": {"id": self.lot_product.id, "name": "Resin", "default_code": "RES-1"},
                "lot": {"id": 1, "name": "LOT-7"},
                "quantity": 20.0,
            },
        }
        other = dict(event, id=str(uuid.uuid4()), type="odoo.stock_sync.lot.v1", partitionkey="p2")
        batch = Batch(
            endpoint_key=("db", 0),
            address=self.sim.wsdl_url,
            timeout=5,
            events=[(e["id"], json.dumps(e)) for e in (event, other)],
            body="[]",
            headers={},
        )
        result = MesSoapTransport(context).send(batch)
        self.assertEqual(result.for_event(event["id"]).outcome, "delivered")
        refused = result.for_event(other["id"])
        self.assertEqual((refused.outcome, refused.error_class), ("refused", "config"))
        self.assertIn("limit this endpoint's event types", refused.error)
        self.assertEqual(self.sim.lot_status, {("EXT-RES", "LOT-7"): "released"})
        self.assertEqual(
            self.sim.received[event["id"]][1][0],
            {
                "sku": "EXT-RES",
                "lot": "LOT-7",
                "status": "released",
                "quantity": 20.0,
                "unit": "EA",
            },
        )
