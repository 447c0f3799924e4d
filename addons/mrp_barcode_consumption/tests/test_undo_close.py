# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Partial scans, undo, then closing the order: nothing consumed twice or lost."""

from odoo import Command
from odoo.tests import tagged

from .common import ScanCase


@tagged("post_install", "-at_install")
class TestUndoClose(ScanCase):
    def test_partial_scans_undo_then_close(self):
        production = self.new_production(qty=2)  # 8 bolts, 1 kg resin, 2 sensors
        bolts, resin = self.quantity_at(self.bolt), self.quantity_at(self.resin)
        self.assertTrue(self.scan("4006381333931", production, quantity=3)["ok"])
        self.assertTrue(self.scan("RES-A", production, quantity=0.4)["ok"])
        self.assertTrue(self.scan("4006381333931", production, quantity=4)["ok"])
        self.assertTrue(self.scan("SN-1", production)["ok"])
        answer = self.undo(production)  # the sensor
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["code"], "undone")
        self.assertEqual(answer["consumed"]["lot"], "SN-1")
        self.assertEqual(self.quantity_at(self.sensor, lot=self.serials[0]), 1)
        self.assertEqual(self.component(answer, self.sensor)["remaining"], 2.0)
        answer = self.undo(production)  # the 4 bolts
        self.assertEqual(answer["consumed"]["quantity"], -4.0)
        self.assertEqual(self.quantity_at(self.bolt), bolts - 3)
        bolt = self.component(answer, self.bolt)
        self.assertEqual((bolt["planned"], bolt["consumed"], bolt["remaining"]), (8.0, 3.0, 5.0))
        undone = self.env["mrp.barcode.scan"].search(
            [("production_id", "=", production.id), ("undone_by_id", "!=", False)]
        )
        self.assertEqual(len(undone), 2)
        # The undone serial may be scanned again.
        self.assertTrue(self.scan("SN-1", production)["ok"])

        self.close(production)
        consumed = production.move_raw_ids.filtered(lambda m: m.state == "done")
        totals = {}
        for move in consumed:
            totals[move.product_id] = totals.get(move.product_id, 0.0) + move.quantity
        self.assertEqual(totals[self.bolt], 8.0, "3 scanned + 5 at close, not 8 more")
        self.assertAlmostEqual(totals[self.resin], 1.0)
        self.assertEqual(totals[self.sensor], 2.0)
        self.assertEqual(self.quantity_at(self.bolt), bolts - 8)
        self.assertAlmostEqual(
            self.quantity_at(self.resin),
            resin - 1.0,
        )
        self.assertEqual(self.quantity_at(self.pump), 2)
        # Traceability: the finished pumps consumed the scanned lines too.
        finished = production.move_finished_ids.filtered(lambda m: m.product_id == self.pump)
        consumed_lines = finished.move_line_ids.consume_line_ids
        self.assertIn(self.lot_a, consumed_lines.lot_id)
        self.assertTrue(
            consumed.filtered("barcode_scanned").move_line_ids.filtered("quantity")
            <= consumed_lines
        )
        self.assertRefused(self.scan("4006381333931", production), "mo_state")
        self.assertRefused(self.undo(production), "mo_state")

    def test_all_scanned_then_close(self):
        production = self.new_production(qty=1)  # 4 bolts, 0.5 kg resin, 1 sensor
        bolts = self.quantity_at(self.bolt)
        self.assertTrue(self.scan("4006381333931", production, quantity=4)["ok"])
        self.assertTrue(self.scan("RES-B", production, quantity=0.5)["ok"])
        answer = self.scan("SN-2", production)
        self.assertEqual([row["remaining"] for row in answer["components"]], [0.0, 0.0, 0.0])
        self.close(production)
        self.assertEqual(self.quantity_at(self.bolt), bolts - 4)
        self.assertEqual(
            sum(production.move_raw_ids.filtered(lambda m: m.state == "done").mapped("quantity")),
            5.5,
        )

    def test_nothing_to_undo(self):
        production = self.new_production(qty=1)
        self.assertRefused(self.undo(production), "nothing_to_undo")
        self.scan("4006381333931", production, device_id="HH-01")
        self.assertRefused(self.undo(production, device_id="HH-02"), "nothing_to_undo")
        self.assertTrue(self.undo(production, device_id="HH-01")["ok"])
        self.assertRefused(self.undo(production), "nothing_to_undo")

    def test_scans_and_undos_without_a_scan_id(self):
        # A scan id is optional (the idempotency key): the log links the move
        # and the undone scan all the same, so an undo is not undone twice.
        production = self.new_production(qty=1)
        bolts = self.quantity_at(self.bolt)
        answer = self.scan("4006381333931", production, quantity=3, scan_id=None)
        self.assertTrue(answer["ok"], answer["message"])
        Scan = self.env["mrp.barcode.scan"]
        scan = Scan.search([("production_id", "=", production.id)], order="id desc", limit=1)
        self.assertFalse(scan.scan_id)
        self.assertEqual(scan.move_id.barcode_scan_id, scan)
        undo = self.undo(production, scan_id=None)
        self.assertTrue(undo["ok"], undo["message"])
        self.assertEqual(
            scan.undone_by_id,
            Scan.search([("production_id", "=", production.id)], order="id desc", limit=1),
        )
        self.assertRefused(self.undo(production, scan_id=None), "nothing_to_undo")
        self.assertEqual(self.quantity_at(self.bolt), bolts)

    def test_over_consumption_per_company(self):
        production = self.new_production(qty=1)  # 4 bolts planned
        self.assertRefused(self.scan("4006381333931", production, quantity=5), "over_consumption")
        self.company.scan_over_tolerance = 25.0
        self.assertTrue(self.scan("4006381333931", production, quantity=5)["ok"])
        self.assertRefused(self.scan("4006381333931", production, quantity=1), "over_consumption")
        self.company.scan_over_consumption = "warn"
        answer = self.scan("4006381333931", production, quantity=1)
        self.assertTrue(answer["ok"])
        self.assertEqual([w["code"] for w in answer["warnings"]], ["over_consumption"])
        bolt = self.component(answer, self.bolt)
        self.assertEqual((bolt["planned"], bolt["consumed"], bolt["remaining"]), (4.0, 6.0, 0.0))
        self.assertEqual(self.log_of(answer).warning_codes, "over_consumption")

    def test_over_consumption_of_a_component_planned_in_dozens(self):
        """The check before a scan sums the order's moves in the component's unit.

        A BoM line in dozens plans the bolts in a move in dozens: the check
        converts it (and the moves scans split off it) as the answer does.
        """
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": self.pump.product_tmpl_id.id,
                "product_qty": 1,
                "consumption": "warning",
                "bom_line_ids": [
                    Command.create(
                        {
                            "product_id": self.bolt.id,
                            "product_qty": 1,
                            "product_uom_id": self.dozen.id,
                        }
                    )
                ],
            }
        )
        production = self.new_production(qty=1, bom=bom)  # 12 bolts planned, in dozens
        self.assertEqual(production.move_raw_ids.product_uom, self.dozen)
        self.assertTrue(self.scan("4006381333931", production, quantity=6)["ok"])
        answer = self.scan("4006381333931", production, quantity=7)
        self.assertRefused(answer, "over_consumption")
        self.assertIn("13.0 of 12.0 planned", answer["message"])
        answer = self.scan("4006381333931", production, quantity=6)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["warnings"], [])
        bolt = self.component(answer, self.bolt)
        self.assertEqual((bolt["planned"], bolt["consumed"], bolt["remaining"]), (12.0, 12.0, 0.0))
        self.assertRefused(self.scan("4006381333931", production, quantity=1), "over_consumption")
        self.assertTrue(self.undo(production)["ok"])
        answer = self.scan("4006381333931", production, quantity=6)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(self.component(answer, self.bolt)["consumed"], 12.0)

    def test_unplanned_component_per_company(self):
        production = self.new_production(qty=1)
        self.assertRefused(self.scan("GREASE-0001", production), "not_a_component")
        self.company.scan_allow_unplanned = True
        grease = self.quantity_at(self.grease)
        answer = self.scan("GREASE-0001", production, quantity=2)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual([w["code"] for w in answer["warnings"]], ["unplanned_component"])
        row = self.component(answer, self.grease)
        self.assertEqual((row["planned"], row["consumed"]), (0.0, 2.0))
        self.assertEqual(self.quantity_at(self.grease), grease - 2)
        extra = production.move_raw_ids.filtered(lambda m: m.product_id == self.grease)
        self.assertRecordValues(extra, [{"state": "done", "quantity": 2.0}])
