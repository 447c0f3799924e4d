"""Hold events reach the WMS with the external status of the stock's new bucket."""

from odoo.tests import tagged

from odoo.addons.stock_sync_connector.tests.common import OutboundMixin

from .common import StatusCase

HOLD = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestStatusOutbound(OutboundMixin, StatusCase):
    endpoint_name = "WMS through the backend"

    def hold_deliveries(self):
        return self.env["stock.sync.delivery"].search(
            [("endpoint_id", "=", self.backend_endpoint.id), ("event_id.type", "=", HOLD)],
            order="id",
        )

    def act(self, action, location, quantity, bucket=None):
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", location.id)]
        )
        quant.with_user(self.quality_manager)._quality_action(
            action, self.reason, bucket=bucket, quantity=quantity
        )

    def test_hold_release_and_reject_carry_the_external_status(self):
        self.map_status("QC-HOLD", "qa_hold")
        self.map_status("QC-HOLD-2", "qa_hold")  # a second status of one bucket: not sent
        self.map_status("DAMAGED", "rejected")
        self.map_status("AVAILABLE", "available")
        self.receive([(self.product, 10)])
        self.act("hold", self.stock, 4, bucket="qa_hold")
        self.act("release", self.qa_hold, 1)
        self.act("reject", self.qa_hold, 2)
        self.dispatch()
        self.assertEqual(self.hold_deliveries().mapped("state"), ["delivered"] * 3)
        holds = sorted(self.sim.holds.values(), key=lambda h: h["sequence"])
        self.assertEqual(
            [(h["action"], h["status"], h["quantity"], h["unit"], h["location"]) for h in holds],
            [
                ("hold", "QC-HOLD", 0.4, "BOX10", "WH-STOCK"),
                ("release", "AVAILABLE", 0.1, "BOX10", "WH-STOCK"),
                ("reject", "DAMAGED", 0.2, "BOX10", "QA-AREA"),
            ],
        )
        self.assertEqual({h["sku"] for h in holds}, {"EXT-API"})
        self.assertOutboxMatchesStockLedger(endpoint=self.backend_endpoint)

    def test_a_bucket_without_status_is_a_dead_letter_naming_it(self):
        self.receive([(self.product, 10)])
        self.act("hold", self.stock, 4, bucket="quarantine")
        self.dispatch()
        delivery = self.hold_deliveries()
        self.assertEqual(delivery.state, "dead")
        self.assertIn(
            "The quarantine stock of a hold has no external status", delivery.error_message
        )
        self.assertFalse(self.sim.holds, "never guessed")
