"""An MES backend talking to a live SOAP simulator on 127.0.0.1, and Odoo's own HTTP server.

The push tests need Odoo's server (``HttpCase``): the simulator POSTs to it
as an MES would (see ``stock_sync_connector``'s tests/common.py).
"""

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.stock_sync_connector.tests.common import BackendCase

from ..services import soap_client
from .mes_simulator import MesSimulator


class MesCase(BackendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = MesSimulator(api_key="sim-key").start()
        cls.addClassCleanup(cls.sim.stop)
        cls.backend = cls.create_backend("Test MES (simulator)", "mes_soap", cls.sim.wsdl_url)
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

    # -- helpers ------------------------------------------------------------
    def poll_and_apply(self):
        pages = self.backend._poll()
        self.apply()
        return pages

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
