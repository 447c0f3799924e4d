# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Scan events coalesced per component, lot and order within a window."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.mrp_barcode_consumption.tests.common import ScanCase
from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, OutboxAssertions


@tagged("post_install", "-at_install")
class TestScanCoalescing(OutboxAssertions, ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Longer than the scans of a test take on a slow machine: a window opens
        # on the real clock, and the tests close them with _close_due.
        cls.company.scan_coalesce_seconds = 600
        cls.Coalesced = cls.env["mrp.barcode.coalesced.line"]

    def close_windows(self):
        """What the cron does once the windows are due."""
        until = fields.Datetime.now() + timedelta(hours=1)
        return self.Coalesced._close_due(until=until)

    def test_one_event_per_component_lot_and_order(self):
        production = self.new_production(qty=4)  # 16 bolts, 2 kg resin
        with self.capture_events() as captured:
            for n, (code, qty) in enumerate(
                [("RES-A", 0.25), ("4006381333931", 2), ("RES-A", 0.5), ("RES-B", 0.1)]
                + [("4006381333931", 3), ("RES-A", 0.25)]
            ):
                answer = self.scan(
                    code, production, quantity=qty, scan_id=f"c-{n}", device_id=f"HH-{n % 2}"
                )
                self.assertTrue(answer["ok"], answer["message"])
        self.assertFalse(captured.of_type(MOVEMENT_TYPE), "posted at once, announced later")
        self.assertAlmostEqual(self.quantity_at(self.resin, lot=self.lot_a), 19.0)
        waiting = self.Coalesced.search([("production_id", "=", production.id)])
        self.assertEqual(len(waiting), 6)
        windows = {}
        for row in waiting:
            windows.setdefault((row.product_id, row.lot_id), set()).add(row.due_at)
        self.assertEqual(len(windows), 3)
        self.assertTrue(all(len(dues) == 1 for dues in windows.values()), "one window each")
        self.assertEqual(self.log_of({"scan_id": "c-0"}).result, "accepted", "each scan logged")

        with self.capture_events() as captured:
            events = self.close_windows()
        self.assertEqual(captured.events, events)
        by_lot = {
            (e.payload["data"]["product"]["id"], (e.payload["data"]["lot"] or {}).get("name")): e
            for e in events
        }
        self.assertEqual(len(by_lot), 3)
        resin_a = by_lot[(self.resin.id, "RES-A")].payload["data"]
        self.assertEqual(resin_a["quantity"], 1.0)
        self.assertEqual(resin_a["operation"], "consumption")
        self.assertEqual(resin_a["scan"]["scan_id"], None)
        self.assertEqual(resin_a["scan"]["production"]["id"], production.id)
        self.assertEqual(resin_a["scan"]["coalesced"]["scan_ids"], ["c-0", "c-2", "c-5"])
        self.assertEqual(resin_a["scan"]["coalesced"]["devices"], ["HH-0", "HH-1"])
        self.assertEqual(len(resin_a["scan"]["coalesced"]["move_line_ids"]), 3)
        self.assertEqual(resin_a["location_from"]["on_hand"], 19.0)
        bolts = by_lot[(self.bolt.id, None)].payload["data"]
        self.assertEqual(
            (bolts["quantity"], bolts["scan"]["coalesced"]["scan_ids"]), (5.0, ["c-1", "c-4"])
        )
        self.assertEqual(by_lot[(self.resin.id, "RES-B")].payload["data"]["quantity"], 0.1)
        self.assertFalse(self.Coalesced.search([("closed", "=", False)]))
        self.assertEqual(len(self.close_windows()), 0, "a window is announced once")
        self.assertOutboxMatchesStockLedger()

        # Closing the order afterwards: the rest is consumed once, the ledger still holds.
        self.close(production)
        self.assertOutboxMatchesStockLedger()

    def test_a_receipt_numbered_while_a_window_is_open_does_not_count_its_scans(self):
        production = self.new_production(qty=4)
        self.number_events()  # what the set-up wrote
        # The receipt commits, then a scan under a window (posted at once, its
        # event owed), then the dispatcher numbers the receipt.
        picking = self.receive([(self.resin, 2, self.lot_a, self.stock)])
        answer = self.scan("RES-A", production, quantity=0.5, scan_id="w-1")
        self.assertTrue(answer["ok"], answer["message"])
        self.assertAlmostEqual(self.quantity_at(self.resin, lot=self.lot_a), 21.5)
        self.number_events()
        receipt = self.env["stock.sync.event"].search(
            [("move_line_id", "in", picking.move_line_ids.ids)]
        )
        self.assertEqual(receipt.operation, "receipt")
        # 20 + 2: the scan's 0.5 is in the quants, not yet in the events.
        self.assertEqual(receipt.payload["data"]["location_to"]["on_hand"], 22.0)
        with self.capture_events():
            (consumption,) = self.close_windows()
        self.assertEqual(consumption.payload["data"]["location_from"]["on_hand"], 21.5)
        self.assertOutboxMatchesStockLedger()

    def test_not_due_yet(self):
        production = self.new_production(qty=2)
        self.assertTrue(self.scan("RES-A", production, quantity=0.25)["ok"])
        self.assertFalse(
            self.Coalesced._close_due(until=fields.Datetime.now() - timedelta(seconds=1))
        )
        self.assertEqual(len(self.close_windows()), 1)

    def test_undo_closes_the_window_first(self):
        production = self.new_production(qty=2)
        self.scan("RES-A", production, quantity=0.25, scan_id="u-1", device_id="HH-7")
        self.scan("RES-A", production, quantity=0.5, scan_id="u-2", device_id="HH-7")
        with self.capture_events() as captured:
            undo = self.undo(production, scan_id="u-undo", device_id="HH-7")
        self.assertTrue(undo["ok"], undo["message"])
        events = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(
            [e.payload["data"]["operation"] for e in events], ["consumption", "correction"]
        )
        window, correction = events.mapped("payload")
        self.assertEqual(window["data"]["quantity"], 0.75, "the undone scan is announced first")
        self.assertEqual(window["data"]["scan"]["coalesced"]["scan_ids"], ["u-1", "u-2"])
        self.assertEqual(correction["data"]["scan"]["undoes"], "u-2")
        self.assertEqual(correction["data"]["correction"]["previous"]["quantity"], 0.5)
        self.assertEqual(correction["data"]["quantity"], 0.0)
        self.assertOutboxMatchesStockLedger()

    def test_other_movement_of_the_product_closes_its_windows_first(self):
        production = self.new_production(qty=2)
        self.scan("4006381333931", production, quantity=2, scan_id="k-1")
        with self.capture_events() as captured:
            self.receive([(self.bolt, 5, None, self.stock)])
        events = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(
            [e.payload["data"]["operation"] for e in events],
            ["consumption", "receipt"],
            "per-key order: the scans before the later receipt of the same product",
        )
        self.assertEqual(events[0].payload["data"]["scan"]["coalesced"]["scan_ids"], ["k-1"])
        self.assertLess(events[0].id, events[1].id)
        self.assertOutboxMatchesStockLedger()

    def test_edit_of_a_waiting_line_is_announced_by_the_window(self):
        production = self.new_production(qty=2)
        self.scan("4006381333931", production, quantity=3, scan_id="e-1")
        line = self.Coalesced.search([("scan_id", "=", "e-1")]).move_line_id
        with self.capture_events() as captured:
            line.quantity = 2  # a planner corrects the done line within the window
        self.assertFalse(captured.of_type(MOVEMENT_TYPE))
        events = self.close_windows()
        self.assertEqual(events.payload["data"]["quantity"], 2.0)
        self.assertOutboxMatchesStockLedger()

    def test_work_center_decides(self):
        workcenter = self.env["mrp.workcenter"].create({"name": "Line 1", "scan_coalesce": "off"})
        self.bom.operation_ids = [
            Command.create({"name": "Assemble", "workcenter_id": workcenter.id})
        ]
        production = self.new_production(qty=2)
        with self.capture_events() as captured:
            self.scan("RES-A", production, quantity=0.25, scan_id="w-1")
        self.assertEqual(len(captured.of_type(MOVEMENT_TYPE)), 1, "the work center says: at once")
        self.assertEqual(captured.events.payload["data"]["scan"]["scan_id"], "w-1")
        workcenter.write({"scan_coalesce": "window", "scan_coalesce_seconds": 2})
        self.company.scan_coalesce_seconds = 0
        with self.capture_events() as captured:
            self.scan("RES-A", production, quantity=0.25, scan_id="w-2")
        self.assertFalse(captured.of_type(MOVEMENT_TYPE), "its own window")
        row = self.Coalesced.search([("scan_id", "=", "w-2")])
        self.assertLessEqual(row.due_at, fields.Datetime.now() + timedelta(seconds=2))
        self.close_windows()
        self.assertOutboxMatchesStockLedger()

    def test_off_by_default(self):
        self.company.scan_coalesce_seconds = 0
        production = self.new_production(qty=2)
        with self.capture_events() as captured:
            self.scan("RES-A", production, quantity=0.25)
        self.assertEqual(len(captured.of_type(MOVEMENT_TYPE)), 1)
        self.assertFalse(self.Coalesced.search([]))

    def test_bad_windows(self):
        with self.assertRaisesRegex(ValidationError, "between 0"):
            self.company.scan_coalesce_seconds = -1
        with self.assertRaisesRegex(ValidationError, "between 1"):
            self.env["mrp.workcenter"].create(
                {"name": "Bad", "scan_coalesce": "window", "scan_coalesce_seconds": 0}
            )
