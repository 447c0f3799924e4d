"""A REST backend talking to a live WMS simulator on 127.0.0.1, and Odoo's own HTTP server.

The webhook tests need Odoo's server (``HttpCase``): the simulator POSTs to
it as a WMS would. Inbound events are applied as the backend's technical
user by the apply cron, called here directly (``apply``).
"""

import time
from unittest.mock import patch

import requests

from odoo.tests import HttpCase
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.common import StockSyncCase

from .wms_simulator import WmsSimulator


class WmsCase(StockSyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = WmsSimulator(api_key="sim-key").start()
        cls.addClassCleanup(cls.sim.stop)
        cls.inbound_user = cls.env.ref("stock_sync_connector.user_connector_inbound")
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": "Test WMS (simulator)",
                "kind": "wms_rest",
                "base_url": cls.sim.url,
                "auth_type": "api_key",
                "api_key": "sim-key",
                "connect_timeout": 2.0,
                "read_timeout": 2.0,
                "rate_limit": 0,
                "max_body_kb": 8,
                "alert_user_id": cls.stock_manager.id,
            }
        )
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
        # Odoo's harness stretches short timeouts and only takes plain numbers;
        # these tests need the client's real behaviour against the simulator.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))

    # -- helpers ------------------------------------------------------------
    def apply(self):
        """Run the apply cron as Odoo would after commit; return the events applied."""
        self.env.flush_all()
        self.env.invalidate_all()
        applied = self.env["stock.sync.inbound"]._cron_apply()
        self.env.invalidate_all()
        return applied

    def inbound(self, external_id=None):
        domain = [("backend_id", "=", self.backend.id)]
        if external_id:
            domain.append(("external_id", "=", external_id))
        self.env.invalidate_all()
        return self.env["stock.sync.inbound"].search(domain, order="id")

    def on_hand(self, product, location):
        return product.with_context(location=location.id).qty_available

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
