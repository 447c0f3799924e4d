"""Two handhelds scan one manufacturing order at the same moment.

Committed transactions in threads, as two devices' requests through a door that
owns its transaction (``scan_with_retry``): both succeed, no update is lost,
and the consumed total equals the accepted scans exactly. When concurrent
scans keep winning, the door answers ``retry`` and logs it.
"""

import threading
import uuid
from unittest.mock import patch

from committed_case import CommittedCase
from psycopg2 import errors

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.mrp_barcode_consumption.services.retrying import scan_with_retry

SCANS_PER_DEVICE = 12


class ScanRaceCase(CommittedCase):
    """An order of 40 race bolts (100 in stock) and two Shop Floor Operators, committed."""

    def setUp(self):
        super().setUp()
        with self.env_cr() as env:
            self.company_id = env.ref("base.main_company").id
            self.user_ids = [
                new_test_user(
                    env, login, groups="mrp_barcode_consumption.group_shop_floor_operator"
                ).id
                for login in ("scan_race_a", "scan_race_b")
            ]
            bolt = env["product.product"].create(
                {"name": "Race bolt", "is_storable": True, "barcode": "SCAN-RACE-BOLT"}
            )
            pump = env["product.product"].create({"name": "Race pump", "is_storable": True})
            self.product_ids = [bolt.id, pump.id]
            self.receive(env, bolt, 100)
            bom = env["mrp.bom"].create(
                {
                    "product_tmpl_id": pump.product_tmpl_id.id,
                    "product_qty": 1,
                    "bom_line_ids": [Command.create({"product_id": bolt.id, "product_qty": 4})],
                }
            )
            self.bom_id = bom.id
            production = env["mrp.production"].create(
                {"product_id": pump.id, "bom_id": bom.id, "product_qty": 10}
            )
            production.action_confirm()
            production.action_assign()
            self.production_id = production.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.env_cr() as env:
            cr = env.cr
            cr.execute(
                "DELETE FROM mrp_barcode_scan WHERE production_id = %s OR user_id IN %s",
                (self.production_id, tuple(self.user_ids)),
            )
            cr.execute(
                "DELETE FROM stock_move_line WHERE move_id IN (SELECT id FROM stock_move"
                " WHERE raw_material_production_id = %s OR production_id = %s)",
                (self.production_id, self.production_id),
            )
            cr.execute(
                "DELETE FROM stock_move WHERE raw_material_production_id = %s"
                " OR production_id = %s",
                (self.production_id, self.production_id),
            )
            cr.execute("DELETE FROM mrp_production WHERE id = %s", (self.production_id,))
            cr.execute("DELETE FROM mrp_bom WHERE id = %s", (self.bom_id,))
        self.delete_stock_of(self.product_ids, self.company_id)
        with self.env_cr() as env:
            env["res.users"].browse(self.user_ids).unlink()

    def _device(self, user_id, device, start, answers):
        """One handheld: scans one bolt at a time, each scan its own request."""
        start.wait(30)
        for _n in range(SCANS_PER_DEVICE):
            try:
                with self.env_cr(user_id) as env:
                    env.cr.execute("SET LOCAL lock_timeout = '30s'")
                    answer = scan_with_retry(
                        env,
                        "consume_scan",
                        tries=8,
                        barcode="SCAN-RACE-BOLT",
                        production=self.production_id,
                        quantity=1,
                        device_id=device,
                        scan_id=str(uuid.uuid4()),
                    )
                answers.append(answer)
            except Exception as error:  # reported by the test, never swallowed  # noqa: BLE001
                answers.append({"ok": False, "code": repr(error)})


@tagged("post_install", "-at_install")
class TestScanConcurrency(ScanRaceCase):
    def test_two_handhelds_one_order_no_lost_update(self):
        start = threading.Event()
        answers = []
        threads = [
            threading.Thread(target=self._device, args=(uid, f"HH-{n}", start, answers))
            for n, uid in enumerate(self.user_ids)
        ]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join(120)
        self.assertEqual(len(answers), 2 * SCANS_PER_DEVICE)
        accepted = [a for a in answers if a["ok"]]
        self.assertEqual(
            len(accepted), 2 * SCANS_PER_DEVICE, [a["code"] for a in answers if not a["ok"]]
        )
        with self.env_cr() as env:
            production = env["mrp.production"].browse(self.production_id)
            bolt = env["product.product"].browse(self.product_ids[0])
            done = production.move_raw_ids.filtered(lambda m: m.state == "done")
            self.assertEqual(sum(done.mapped("quantity")), len(accepted))
            self.assertEqual(len(done), len(accepted))
            on_hand = sum(
                env["stock.quant"]
                .search([("product_id", "=", bolt.id), ("location_id.usage", "=", "internal")])
                .mapped("quantity")
            )
            self.assertEqual(on_hand, 100 - len(accepted))
            open_bolt = production.move_raw_ids.filtered(lambda m: m.state != "done")
            self.assertEqual(open_bolt.product_uom_qty, 40 - len(accepted), "no lost update")
            log = env["mrp.barcode.scan"].search(
                [("production_id", "=", self.production_id), ("result", "=", "accepted")]
            )
            self.assertEqual(len(log), len(accepted))
            self.assertEqual(set(log.mapped("device_id")), {"HH-0", "HH-1"})
            self.assertEqual(answers[-1]["components"][0]["consumed"] <= len(accepted), True)

    def test_retry_answer_after_bounded_attempts(self):
        calls = []

        def always_conflict(self, request, scan_id):
            calls.append(scan_id)
            raise errors.SerializationFailure("could not serialize access")

        Production = self.registry["mrp.production"]
        with (
            patch.object(Production, "_scan_consume", always_conflict, create=False),
            self.env_cr(self.user_ids[0]) as env,
        ):
            answer = scan_with_retry(
                env,
                "consume_scan",
                tries=3,
                backoff=0.001,
                barcode="SCAN-RACE-BOLT",
                production=self.production_id,
                device_id="HH-R",
                scan_id="retry-me",
            )
        self.assertEqual(len(calls), 3)
        self.assertFalse(answer["ok"])
        self.assertEqual(answer["code"], "retry")
        self.assertIn("again", answer["message"])
        with self.env_cr() as env:
            log = env["mrp.barcode.scan"].search([("scan_id", "=", "retry-me")])
            self.assertEqual((log.code, log.result, log.is_key), ("retry", "refused", False))
            # Nothing was consumed, and the same scan id may come again.
            self.assertFalse(
                env["mrp.production"]
                .browse(self.production_id)
                .move_raw_ids.filtered(lambda m: m.state == "done")
            )
