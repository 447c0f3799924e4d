"""Expected receipts (ASN lines) reach the WMS through the backend, and close on its receipt."""

from odoo.tests import tagged

from odoo.addons.stock_sync_connector.tests.common import OutboundMixin

from .common import WmsCase

EXPECTED = "odoo.stock_sync.expected_receipt.v1"


@tagged("post_install", "-at_install")
class TestExpectedReceipts(OutboundMixin, WmsCase):
    endpoint_name = "WMS through the backend"

    def expected_deliveries(self):
        return self.env["stock.sync.delivery"].search(
            [("endpoint_id", "=", self.backend_endpoint.id), ("event_id.type", "=", EXPECTED)],
            order="id",
        )

    def test_confirmed_changed_then_closed_by_the_wms_receipt(self):
        picking = self.make_receipt(20)
        self.dispatch()
        line = self.sim.expected[(picking.name, "EXT-API")]
        self.assertEqual(
            {k: line[k] for k in ("action", "quantity", "unit", "to", "type")},
            {
                "action": "confirmed",
                "quantity": 2.0,  # 20 units are 2 boxes of 10 (the unit cross-reference)
                "unit": "BOX10",
                "to": "WH-STOCK",
                "type": "expected_receipt",
            },
        )
        event = self.expected_deliveries().event_id
        self.assertIn(event.event_uuid, self.sim.expected_keys, "Idempotency-Key = event id")
        picking.move_ids.with_user(self.operator).product_uom_qty = 30
        self.dispatch()
        line = self.sim.expected[(picking.name, "EXT-API")]
        self.assertEqual((line["action"], line["quantity"]), ("changed", 3.0))
        # The WMS receives 25 and confirms: Odoo validates the receipt, the line is
        # closed; the 5 still to come are a backorder, a new expected receipt.
        status, _answer = self.push_and_apply(
            self.sim.confirm_receipt(picking.name, [("EXT-API", 25)], location="WH-STOCK")
        )
        self.assertEqual(status, 200)
        self.assertEqual(picking.state, "done")
        self.dispatch()
        closed = self.sim.expected[(picking.name, "EXT-API")]
        self.assertEqual((closed["action"], closed["quantity"]), ("closed", 0.0))
        backorder = picking.backorder_ids
        line = self.sim.expected[(backorder.name, "EXT-API")]
        self.assertEqual((line["action"], line["quantity"]), ("confirmed", 0.5))
        self.assertEqual(self.expected_deliveries().mapped("state"), ["delivered"] * 4)
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_cancelled_receipt_and_unmapped_product(self):
        picking = self.make_receipt(10)
        carton = self._picking(
            self.warehouse.in_type_id, [(self.carton, 4)], self.supplier_loc, self.stock
        )
        carton.with_user(self.operator).action_confirm()
        self.dispatch()
        dead = self.expected_deliveries().filtered(lambda d: d.event_id.product_id == self.carton)
        self.assertEqual(dead.state, "dead", "never guessed: the carton has no external SKU")
        self.assertIn("Product PKG-9 has no external SKU", dead.error_message)
        picking.with_user(self.operator).action_cancel()
        self.dispatch()
        line = self.sim.expected[(picking.name, "EXT-API")]
        self.assertEqual((line["action"], line["quantity"]), ("cancelled", 0.0))

    def test_a_wms_down_keeps_the_line_until_it_answers(self):
        self.sim.fault("status", status=503)
        picking = self.make_receipt(10)
        self.dispatch()
        self.assertEqual(self.expected_deliveries().state, "failed")
        self.assertFalse(self.sim.expected)
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET next_attempt_at = now() at time zone 'utc'"
            " WHERE state = 'failed'"
        )
        self.env.cr.execute("UPDATE stock_sync_endpoint SET paused_until = NULL")
        self.dispatch()
        self.assertEqual(self.expected_deliveries().state, "delivered")
        self.assertEqual(self.sim.expected[(picking.name, "EXT-API")]["quantity"], 1.0)
