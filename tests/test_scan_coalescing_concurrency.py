"""Coalesced scan events under load: two handhelds scan while the cron closes windows.

Committed transactions in threads: every accepted scan is announced in exactly
one coalesced event (none lost, none twice), the events' quantities add up to
what was consumed, and the outbox replays the done move lines.
"""

import threading
import time
from datetime import datetime, timedelta

from test_scan_concurrency import SCANS_PER_DEVICE, ScanRaceCase

from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestScanCoalescingConcurrency(ScanRaceCase):
    def setUp(self):
        super().setUp()
        with self.env_cr() as env:
            env.ref("base.main_company").scan_coalesce_seconds = 1
        self.addCleanup(self._window_off)

    def _window_off(self):
        with self.env_cr() as env:
            env.ref("base.main_company").scan_coalesce_seconds = 0

    def _closer(self, stop, errors):
        """The cron, run again and again while the handhelds scan."""
        while not stop.is_set():
            try:
                with self.env_cr() as env:
                    env["mrp.barcode.coalesced.line"]._close_due()
            except Exception as error:  # reported by the test  # noqa: BLE001
                errors.append(repr(error))
            time.sleep(0.05)

    def test_every_scan_announced_once(self):
        start, stop = threading.Event(), threading.Event()
        answers, errors = [], []
        devices = [
            threading.Thread(target=self._device, args=(uid, f"HH-{n}", start, answers))
            for n, uid in enumerate(self.user_ids)
        ]
        closer = threading.Thread(target=self._closer, args=(stop, errors))
        for thread in [*devices, closer]:
            thread.start()
        start.set()
        for thread in devices:
            thread.join(120)
        stop.set()
        closer.join(30)
        self.assertEqual(errors, [])
        accepted = [a for a in answers if a["ok"]]
        self.assertEqual(len(accepted), 2 * SCANS_PER_DEVICE, [a["code"] for a in answers])
        with self.env_cr() as env:
            # The windows still open are due within a second: close them as the cron would.
            Coalesced = env["mrp.barcode.coalesced.line"]
            Coalesced._close_due(until=datetime.utcnow() + timedelta(minutes=1))
            rows = Coalesced.search([("production_id", "=", self.production_id)])
            self.assertEqual(sorted(rows.mapped("scan_id")), sorted(a["scan_id"] for a in accepted))
            self.assertTrue(all(rows.mapped("closed")))
            events = rows.event_id
            announced = [
                scan_id
                for event in events
                for scan_id in event.payload["data"]["scan"]["coalesced"]["scan_ids"]
            ]
            self.assertEqual(
                sorted(announced),
                sorted(a["scan_id"] for a in accepted),
                "every accepted scan in exactly one event",
            )
            self.assertLess(len(events), len(accepted), "fewer, larger events")
            self.assertEqual(
                sum(event.payload["data"]["quantity"] for event in events), len(accepted)
            )
            lines = env["stock.move.line"].search(
                [
                    ("move_id.raw_material_production_id", "=", self.production_id),
                    ("state", "=", "done"),
                ]
            )
            self.assertEqual(sorted(rows.move_line_id.ids), sorted(lines.ids))
            alone = env["stock.sync.event"].search(
                [("move_line_id", "in", lines.ids), ("id", "not in", events.ids)]
            )
            self.assertFalse(alone, "no scan line was also announced on its own")
