"""End to end with a live WMS: events in flight, acknowledged, then a real shrinkage corrected."""

from odoo.tests import tagged

from odoo.addons.stock_sync_connector.tests.common import OutboundMixin
from odoo.addons.stock_sync_connector_rest.tests.common import WmsCase

from .wms_snapshot_simulator import SnapshotWmsSimulator


@tagged("post_install", "-at_install")
class TestPullReconcile(OutboundMixin, WmsCase):
    endpoint_name = "WMS through the backend"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim.stop()
        cls.sim = SnapshotWmsSimulator(api_key="sim-key").start()
        cls.addClassCleanup(cls.sim.stop)
        cls.backend.write(
            {
                "base_url": cls.sim.url,
                "recon_cadence": "daily",
                "recon_page_size": 1,
                "recon_warehouse_id": cls.warehouse.id,
            }
        )
        cls.product.standard_price = 10
        # Movements go to the WMS in each (factor 1), as its snapshot counts them: without
        # this the transport sends the base class's boxes of 10 (0.5 BOX10 for 5 units).
        cls.env["stock.sync.xref.uom"].create(
            {"backend_id": cls.backend.id, "external_code": "EA", "uom_id": cls.product.uom_id.id}
        )

    def reconcile(self):
        run = self.backend._reconcile()
        self.assertTrue(run, self.backend.message_ids[:1].body)
        return run

    def test_in_flight_then_acknowledged_then_shrinkage(self):
        self.receive([(self.product, 5)])
        # The WMS has not been told yet: the 5 are in flight.
        run = self.reconcile()
        line = run.line_ids.filtered(lambda line: line.product_id == self.product)
        self.assertRecordValues(
            line, [{"diff_class": "in_flight", "qty_in_flight": 5, "decision": "explained"}]
        )
        # Delivered: the WMS has them, and says so.
        self.dispatch()
        self.assertEqual(self.sim.stock[("EXT-API", "WH-STOCK")], 5)
        run = self.reconcile()
        self.assertFalse(run.line_ids.filtered(lambda line: line.product_id == self.product))
        # Two go missing in the WMS (theft): a real difference, corrected once approved.
        self.sim.stock[("EXT-API", "WH-STOCK")] = 3
        self.sim.stock[("EXT-API", "SHELF-A")] = 1  # and one found on a shelf: two pages more
        run = self.reconcile()
        lines = run.line_ids.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(
            sorted((line.location_id.id, line.diff_class, line.correction_qty) for line in lines),
            sorted([(self.stock.id, "quantity", -2.0), (self.shelf.id, "missing_odoo", 1.0)]),
        )
        lines.with_user(self.sync_manager).action_approve()
        run.with_user(self.sync_manager).action_apply()
        quants = self.env["stock.quant"].search([("product_id", "=", self.product.id)])
        self.assertEqual(
            {(q.location_id, q.quantity) for q in quants if q.location_id.usage == "internal"},
            {(self.stock, 3.0), (self.shelf, 1.0)},
        )
        self.assertOutboxMatchesStockLedger()

    def test_wms_down_is_said_on_the_backend(self):
        self.sim.fault("status", times=10, status=503)  # the client retries idempotent GETs
        self.assertIsNone(self.backend._reconcile())
        self.assertIn("HTTP 503", self.backend.message_ids[:1].body)
        self.assertFalse(self.backend.reconciliation_ids)
