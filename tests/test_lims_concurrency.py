"""A LIMS posts the same decision twice at the same moment (a retry after a lost answer).

Committed transactions in threads, as two webhook requests: one decision is
recorded and applied, the other is answered ``duplicate``; the lot is
released once, one decision exists, and the outbox's ledger still matches.
"""

import json
import threading
import uuid
from datetime import UTC, datetime

from committed_case import CommittedCase

from odoo import Command
from odoo.tests import tagged

from odoo.addons.stock_sync.services import webhook_signature


@tagged("post_install", "-at_install")
class TestLimsConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.env_cr() as env:
            self.company_id = env.ref("base.main_company").id
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", self.company_id)], limit=1
            )
            self.stock_id = warehouse.lot_stock_id.id
            product = env["product.product"].create(
                {
                    "name": "Race potting compound",
                    "default_code": "LIMS-RACE",
                    "is_storable": True,
                    "tracking": "lot",
                    "quality_inspect_on_receipt": True,
                }
            )
            self.product_id = product.id
            backend = env["stock.sync.backend"].create(
                {
                    "name": "Race LIMS",
                    "kind": "lims",
                    "base_url": "http://127.0.0.1:9",
                    "auth_type": "none",
                }
            )
            self.backend_id, self.secret = backend.id, backend.webhook_secret
            env["stock.sync.xref.product"].create(
                {"backend_id": backend.id, "external_code": "LIMS-RACE", "product_id": product.id}
            )
            supplier = env.ref("stock.stock_location_suppliers")
            picking = env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": supplier.id,
                    "location_dest_id": self.stock_id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": 5,
                                "location_id": supplier.id,
                                "location_dest_id": self.stock_id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            move = picking.move_ids
            move.move_line_ids.unlink()
            move.move_line_ids = [
                Command.create(
                    {
                        "product_id": product.id,
                        "lot_name": "RACE-LOT-1",
                        "quantity": 5,
                        "picking_id": picking.id,
                        "location_id": supplier.id,
                        "location_dest_id": self.stock_id,
                    }
                )
            ]
            move.picked = True
            picking.button_validate()
            self.lot_id = move.move_line_ids.lot_id.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.env_cr() as env:
            cr = env.cr
            cr.execute(
                "DELETE FROM stock_quality_lims_disposition WHERE backend_id = %s",
                (self.backend_id,),
            )
            cr.execute("DELETE FROM stock_sync_inbound WHERE backend_id = %s", (self.backend_id,))
            cr.execute(
                "DELETE FROM stock_quality_hold_history WHERE product_id = %s", (self.product_id,)
            )
            cr.execute("DELETE FROM stock_sync_backend WHERE id = %s", (self.backend_id,))
            # The lot goes before its product (delete_stock_of unlinks the product).
            cr.execute(
                "UPDATE stock_move_line SET lot_id = NULL WHERE product_id = %s", (self.product_id,)
            )
            cr.execute(
                "UPDATE stock_quant SET lot_id = NULL WHERE product_id = %s", (self.product_id,)
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'stock.lot' AND res_id = %s", (self.lot_id,)
            )
            cr.execute(
                "DELETE FROM mail_followers WHERE res_model = 'stock.lot' AND res_id = %s",
                (self.lot_id,),
            )
            cr.execute("DELETE FROM stock_lot WHERE product_id = %s", (self.product_id,))
        self.delete_stock_of([self.product_id], self.company_id)

    def _post(self, body, barrier, results):
        """One webhook request: checked, recorded and applied in its own committed transaction."""
        try:
            headers = webhook_signature.sign_headers([self.secret], f"msg_{uuid.uuid4().hex}", body)
            with self.env_cr() as env:
                env.cr.execute("SET LOCAL lock_timeout = '30s'")
                backend = env["stock.sync.backend"].browse(self.backend_id)
                barrier.wait(30)
                status, answer = backend._lims_receive(headers, body, "application/json")
                results.append((status, answer["results"][0]["status"]))
        except Exception as error:  # reported by the test, never swallowed  # noqa: BLE001
            results.append((0, repr(error)))

    def test_the_same_decision_posted_twice_at_once_is_applied_once(self):
        decision = {
            "decision_id": f"RACE-{uuid.uuid4().hex}",
            "decided_at": datetime.now(UTC).isoformat(),
            "product": "LIMS-RACE",
            "lot": "RACE-LOT-1",
            "result": "released",
        }
        body = json.dumps(decision).encode()
        barrier, results = threading.Barrier(2), []
        threads = [
            threading.Thread(target=self._post, args=(body, barrier, results)) for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(sorted(results), [(200, "accepted"), (200, "duplicate")], results)
        with self.env_cr() as env:
            dispositions = env["stock.quality.lims.disposition"].search(
                [("backend_id", "=", self.backend_id)]
            )
            self.assertEqual(dispositions.mapped("state"), ["applied"])
            inbound = env["stock.sync.inbound"].search([("backend_id", "=", self.backend_id)])
            self.assertEqual(sorted(inbound.mapped("state")), ["done", "duplicate"])
            quants = env["stock.quant"].search(
                [("lot_id", "=", self.lot_id), ("location_id.usage", "=", "internal")]
            )
            where = {(q.location_id.id, q.quantity) for q in quants if q.quantity}
            self.assertEqual(where, {(self.stock_id, 5)}, "released once")
            releases = env["stock.quality.hold.history"].search(
                [("lot_id", "=", self.lot_id), ("action", "=", "release")]
            )
            self.assertEqual(len(releases), 1)
