"""An MES backend talking to a live SOAP simulator on 127.0.0.1, and Odoo's own HTTP server.

The push tests need Odoo's server (``HttpCase``): the simulator POSTs to it
as an MES would. Inbound confirmations are applied as the backend's technical
user by the apply cron, called here directly (``apply``).
"""

from unittest.mock import patch

import requests

from odoo import Command
from odoo.tests import HttpCase, new_test_user
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.common import StockSyncCase

from ..services import soap_client
from .mes_simulator import MesSimulator


class MesCase(StockSyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = MesSimulator(api_key="sim-key").start()
        cls.addClassCleanup(cls.sim.stop)
        cls.inbound_user = cls.env.ref("stock_sync_connector.user_connector_inbound")
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": "Test MES (simulator)",
                "kind": "mes_soap",
                "base_url": cls.sim.wsdl_url,
                "auth_type": "api_key",
                "api_key": "sim-key",
                "connect_timeout": 2.0,
                "read_timeout": 2.0,
                "rate_limit": 0,
                "max_body_kb": 8,
                "alert_user_id": cls.stock_manager.id,
            }
        )
        cls.line = cls.env["stock.location"].create({"name": "Line 1", "location_id": cls.stock.id})
        cls.tablet = cls.env["product.product"].create(
            {"name": "Tablet", "is_storable": True, "default_code": "TAB-1"}
        )
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.tablet.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": False,  # shared: another company's order uses it too
                "bom_line_ids": [
                    Command.create({"product_id": cls.product.id, "product_qty": 2}),
                    Command.create({"product_id": cls.carton.id, "product_qty": 1}),
                ],
            }
        )
        cls.mrp_user = new_test_user(cls.env, "mes_planner", groups="mrp.group_mrp_user")
        xref = cls.env["stock.sync.xref.product"]
        for code, product in (
            ("EXT-API", cls.product),
            ("EXT-BOX", cls.carton),
            ("EXT-RES", cls.lot_product),
            ("EXT-TAB", cls.tablet),
        ):
            xref.create(
                {"backend_id": cls.backend.id, "external_code": code, "product_id": product.id}
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
                    "external_code": "LINE-1",
                    "location_id": cls.line.id,
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
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EA",
                    "uom_id": cls.product.uom_id.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "KG",
                    "uom_id": cls.env.ref("uom.product_uom_kgm").id,
                },
            ]
        )

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.sim.api_key, self.sim.basic = "sim-key", None
        self.sim.push_url = self.base_url() + f"/inventory_sync/mes/{self.backend.id}/soap"
        self.sim.secret = self.backend.webhook_secret
        # Each test reads the WSDL afresh (the client is kept per process otherwise).
        soap_client.forget((self.env.cr.dbname, self.backend.id))
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

    def poll_and_apply(self):
        pages = self.backend._poll()
        self.apply()
        return pages

    def inbound(self, external_id=None):
        domain = [("backend_id", "=", self.backend.id)]
        if external_id:
            domain.append(("external_id", "=", external_id))
        self.env.invalidate_all()
        return self.env["stock.sync.inbound"].search(domain, order="id")

    def on_hand(self, product, location=None):
        return product.with_context(location=(location or self.stock).id).qty_available

    def new_production(self, qty=5):
        """A confirmed, reserved MO of ``qty`` tablets, made by a manufacturing user."""
        production = (
            self.env["mrp.production"]
            .with_user(self.mrp_user)
            .create({"product_id": self.tablet.id, "bom_id": self.bom.id, "product_qty": qty})
        )
        production.action_confirm()
        production.action_assign()
        return production.with_user(self.env.user)

    def stock_components(self, qty=100):
        self.receive([(self.product, qty), (self.carton, qty)])

    def moves_count(self):
        self.env.flush_all()
        return self.env["stock.move"].search_count([])
