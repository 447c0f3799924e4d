# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.modules.migration import load_script
from odoo.tests import tagged
from odoo.tools import SQL

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

    def test_the_log_keeps_only_the_indexes_its_queries_use(self):
        # A log row is inserted at every scan: the key (unique, is_key rows),
        # the order's index (the undo's search), the consumption move's (each
        # deleted stock move sets its scans' link to null) and the primary
        # key, nothing else. The update to 18.0.1.2.0 drops the column indexes of earlier
        # versions (Odoo keeps an index whose field loses index=True).
        def indexes():
            self.env.cr.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'mrp_barcode_scan'"
            )
            return {row[0] for row in self.env.cr.fetchall()}

        kept = {
            "mrp_barcode_scan_pkey",
            "mrp_barcode_scan_key_uniq",
            "mrp_barcode_scan__production_id_index",
            "mrp_barcode_scan__move_id_index",
        }
        self.assertEqual(indexes(), kept)
        for column in ("scan_id", "result", "code", "device_id", "user_id", "company_id"):
            self.env.cr.execute(
                f"CREATE INDEX mrp_barcode_scan__{column}_index ON mrp_barcode_scan ({column})"
            )
        migration = load_script(
            "mrp_barcode_consumption/migrations/18.0.1.2.0/pre-migrate.py",
            "mrp_barcode_consumption_pre_migrate_18_0_1_2_0",
        )
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.assertEqual(indexes(), kept)
        # The key lookup is served by the unique index, not by one on scan_id.
        query = self.env["mrp.barcode.scan"]._search(
            [("scan_id", "=", "scan-0009"), ("is_key", "=", True)], limit=1
        )
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("RESET enable_seqscan")
        self.assertIn("mrp_barcode_scan_key_uniq", plan)
