"""A LIMS backend talking to a live lab simulator on 127.0.0.1, and Odoo's own HTTP server.

The simulator receives the outbox's ``lot awaiting test`` events (the
dispatcher sends them, as after commit) and POSTs signed dispositions to
Odoo's webhook (``HttpCase``); the test thread waits for the lab's answers.
Decisions are applied as the LIMS's technical user, a Quality Manager and
nothing more; receipts are validated by a plain stock operator.
"""

from unittest.mock import patch

import requests

from odoo import Command
from odoo.tests import HttpCase, new_test_user
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.common import StockSyncCase

from .lims_simulator import LimsSimulator

AWAITING = "odoo.stock_quality_hold_lims.lot_awaiting_test.v1"


class LimsCase(StockSyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint.active = False  # the base's endpoint points nowhere
        cls.lims_user = cls.env.ref("stock_quality_hold_lims.user_lims_inbound")
        cls.quality_manager = new_test_user(
            cls.env, "lims_qm", groups="stock_quality_hold.group_quality_manager"
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Resin Supplier", "ref": "V-7"})
        cls.tested = cls.env["product.product"].create(
            {
                "name": "Potting compound",
                "is_storable": True,
                "tracking": "lot",
                "default_code": "POT-1",
                "quality_inspect_on_receipt": True,
            }
        )
        cls.sim = LimsSimulator(delay=0.0).start()
        cls.addClassCleanup(cls.sim.stop)
        cls.lims_endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": "Test LIMS",
                "url": cls.sim.url + "/events",
                "timeout": 5.0,
                "event_type_ids": [
                    Command.link(
                        cls.env.ref("stock_quality_hold_lims.event_type_lot_awaiting_test").id
                    )
                ],
                "secret_ids": [Command.create({})],
            }
        )
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": "Test LIMS (simulator)",
                "kind": "lims",
                "base_url": cls.sim.url,
                "auth_type": "none",
                "alert_user_id": cls.quality_manager.id,
                "lims_endpoint_id": cls.lims_endpoint.id,
                "max_body_kb": 6000,
                "lims_max_pdf_kb": 1024,
            }
        )
        cls.env["stock.sync.xref.product"].create(
            {"backend_id": cls.backend.id, "external_code": "POT-1", "product_id": cls.tested.id}
        )

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.sim.policy, self.sim.script = "pass", []
        self.sim.webhook_url = (
            self.base_url() + f"/inventory_sync/lims/{self.backend.id}/dispositions"
        )
        self.sim.secret = self.backend.webhook_secret
        self.sim.endpoint_secret = self.lims_endpoint.secret_ids.secret
        # Odoo's harness stretches short timeouts; the dispatcher needs its real client.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))

    # -- helpers ------------------------------------------------------------
    def receive_lot(self, lot_name, qty=10.0, product=None):
        """A receipt of ``qty`` of one lot, validated by the stock operator (into QA hold)."""
        product = product or self.tested
        picking = self._picking(
            self.warehouse.in_type_id, [(product, qty)], self.supplier_loc, self.stock
        )
        picking.write({"partner_id": self.vendor.id, "origin": "PO-LAB-1"})
        picking = picking.with_user(self.operator)
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_name": lot_name,
                    "quantity": qty,
                    "picking_id": picking.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
        ]
        move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking, self.lot(lot_name, product)

    def lot(self, name, product=None):
        return self.env["stock.lot"].search(
            [("name", "=", name), ("product_id", "=", (product or self.tested).id)]
        )

    def lab_decides(self, answers=1):
        """Send the outbox to the lab (as the dispatcher does after commit); wait for its posts."""
        # The lab posts once the dispatcher is done: both would use the test's cursor.
        with self.sim.paused():
            self.dispatch()
        result = self.sim.wait_answers(answers)
        self.env.invalidate_all()  # the lab's posts went through the server
        return result

    def post(self, *dispositions, **kwargs):
        self.env.flush_all()
        status, answer = self.sim.post(dispositions, **kwargs)
        self.env.invalidate_all()
        return status, answer

    def quantities(self, lot):
        """{bucket or 'stock': quantity} of the lot's internal stock."""
        result = {}
        for quant in self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id.usage", "=", "internal")]
        ):
            if quant.quantity:
                key = quant.location_id.quality_bucket or "stock"
                result[key] = result.get(key, 0.0) + quant.quantity
        return result

    def inbound(self, decision_id=None):
        domain = [("backend_id", "=", self.backend.id)]
        if decision_id:
            domain.append(("external_id", "=", decision_id))
        return self.env["stock.sync.inbound"].search(domain, order="id")

    def dispositions(self):
        return self.env["stock.quality.lims.disposition"].search(
            [("backend_id", "=", self.backend.id)], order="id"
        )

    def deliver_lot(self, lot, qty, reserve_only=False):
        """A delivery of ``qty`` of the lot's product, reserved (and validated unless told)."""
        picking = self._picking(
            self.warehouse.out_type_id, [(lot.product_id, qty)], self.stock, self.customer_loc
        ).with_user(self.operator)
        picking.action_confirm()
        picking.action_assign()
        if not reserve_only and picking.state == "assigned":
            picking.move_ids.picked = True
            picking.button_validate()
        return picking
