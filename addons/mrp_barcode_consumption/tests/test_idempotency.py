# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ScanCase


@tagged("post_install", "-at_install")
class TestIdempotency(ScanCase):
    def test_same_scan_id_consumes_once_and_answers_the_same(self):
        production = self.new_production(qty=2)
        before = self.quantity_at(self.bolt)
        first = self.scan("4006381333931", production, quantity=2, scan_id="scan-0001")
        second = self.scan("4006381333931", production, quantity=2, scan_id="scan-0001")
        self.assertTrue(second["replayed"])
        self.assertEqual(dict(second, replayed=False), first)
        self.assertEqual(self.quantity_at(self.bolt), before - 2)
        self.assertEqual(len(production.move_raw_ids.filtered(lambda m: m.state == "done")), 1)
        log = self.log_of(first)
        self.assertEqual(log.mapped("is_key"), [True, False])
        self.assertEqual(log.mapped("replayed"), [False, True])

    def test_same_scan_id_other_body_is_a_conflict(self):
        production = self.new_production(qty=2)
        self.scan("4006381333931", production, quantity=2, scan_id="scan-0002")
        before = self.quantity_at(self.bolt)
        answer = self.scan("4006381333931", production, quantity=3, scan_id="scan-0002")
        self.assertRefused(answer, "scan_conflict")
        self.assertFalse(answer["replayed"])
        self.assertEqual(self.quantity_at(self.bolt), before)

    def test_a_refusal_is_replayed_too(self):
        production = self.new_production(qty=2)
        first = self.scan("GREASE-0001", production, scan_id="scan-0003")
        self.assertRefused(first, "not_a_component")
        self.company.scan_allow_unplanned = True
        again = self.scan("GREASE-0001", production, scan_id="scan-0003")
        self.assertEqual(again["code"], "not_a_component", "a scan id answers as it did")
        self.assertTrue(again["replayed"])
        self.assertTrue(self.scan("GREASE-0001", production, scan_id="scan-0004")["ok"])

    def test_undo_is_idempotent(self):
        production = self.new_production(qty=2)
        self.scan("4006381333931", production, quantity=2)
        self.scan("4006381333931", production, quantity=3)
        before = self.quantity_at(self.bolt)
        first = self.undo(production, scan_id="undo-1")
        again = self.undo(production, scan_id="undo-1")
        self.assertTrue(again["replayed"])
        self.assertEqual(self.quantity_at(self.bolt), before + 3, "one undo, of the last scan")
        self.assertEqual(first["consumed"]["quantity"], -3.0)
