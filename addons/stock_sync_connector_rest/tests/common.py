"""A REST backend talking to a live WMS simulator on 127.0.0.1, and Odoo's own HTTP server.

The webhook tests need Odoo's server (``HttpCase``): the simulator POSTs to
it as a WMS would (see ``stock_sync_connector``'s tests/common.py).
"""

import time

from odoo.addons.stock_sync_connector.tests.common import BackendCase

from .wms_simulator import WmsSimulator


class WmsCase(BackendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = WmsSimulator(api_key="sim-key").start()
        cls.addClassCleanup(cls.sim.stop)
        cls.backend = cls.create_backend("Test WMS (simulator)", "wms_rest", cls.sim.url)
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.env["stock.sync.xref.product"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-API",
                    "product_id": cls.product.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-RES",
                    "product_id": cls.lot_product.id,
                },
            ]
        )
        cls.env["stock.sync.xref.location"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "WH-STOCK",
                    "location_id": cls.stock.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "SHELF-A",
                    "location_id": cls.shelf.id,
                },
            ]
        )
        cls.env["stock.sync.xref.uom"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "BOX10",
                    "uom_id": cls.product.uom_id.id,
                    "factor": 10,
                },
                {"backend_id": cls.backend.id, "external_code": "KG", "uom_id": cls.kg.id},
            ]
        )

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.sim.api_key, self.sim.basic, self.sim.oauth_client = "sim-key", None, None
        self.sim.webhook_url = self.base_url() + f"/inventory_sync/wms/{self.backend.id}/events"
        self.sim.secret = self.backend.webhook_secret

    # -- helpers ------------------------------------------------------------
    def push_and_apply(self, *events, **kwargs):
        status, answer = self.sim.push(events, **kwargs)
        self.apply()
        return status, answer

    @staticmethod
    def iso(seconds_ago):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))

    def make_receipt(self, qty, product=None):
        """A confirmed receipt into WH/Stock, waiting for the WMS's confirmation."""
        picking = self._picking(
            self.warehouse.in_type_id,
            [(product or self.product, qty)],
            self.supplier_loc,
            self.stock,
        )
        picking.with_user(self.operator).action_confirm()
        return picking
