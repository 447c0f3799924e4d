"""Bad input at every door: a clear message, and nothing half-written."""

import base64

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import HOUR, ReconciliationCase


@tagged("post_install", "-at_install")
class TestBadInput(ReconciliationCase):
    def assertRefused(self, content, pattern, file_name="snapshot.csv", **values):
        Run = self.env["stock.sync.reconciliation"]
        Snapshot = self.env["stock.sync.reconciliation.snapshot"]
        before = (Run.search_count([]), Snapshot.search_count([]))
        # Odoo's assertRaises rolls the block back to a savepoint, as a request's error does.
        with self.assertRaises(UserError) as caught:
            self.import_snapshot(content, file_name=file_name, **values)
        self.assertRegex(str(caught.exception), pattern)
        self.assertEqual((Run.search_count([]), Snapshot.search_count([])), before, "nothing kept")

    def test_malformed_files(self):
        self.assertRefused(
            b"PK\x03\x04 not really a workbook", "XLSX workbook cannot be read", "s.xlsx"
        )
        self.assertRefused(b"\x00\x01\x02\x03", "binary, not CSV text")
        self.assertRefused(b"", "empty")
        self.assertRefused(b"sku,quantity\n", "no data rows")

    def test_wrong_columns(self):
        self.assertRefused(
            self.csv_file([("EXT-API", "3")], header=("article", "count")),
            "Choose the column of sku and quantity: the file's columns are article, count",
        )
        Wizard = self.env["stock.sync.reconciliation.import"].with_user(self.recon_user)
        wizard = Wizard.create(
            {
                "file": base64.b64encode(self.csv_file([("EXT-API", "", "", "", "3", "")])),
                "file_name": "s.csv",
                "warehouse_id": self.warehouse.id,
                "col_sku": "sku",
                "col_quantity": "qty",
            }
        )
        with self.assertRaisesRegex(
            UserError, "Column 'qty' \\(for quantity\\) is not in the file"
        ):
            wizard.action_import()

    def test_quantities_that_are_not_numbers(self):
        self.assertRefused(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "twelve", "")]),
            "1 quantities are not numbers: row 2",
        )

    def test_duplicate_lines(self):
        content = self.csv_file(
            [("EXT-API", "WH-STOCK", "", "", "3", ""), ("EXT-API", "WH-STOCK", "", "", "4", "")]
        )
        self.assertRefused(content, "rows 2 and 3 \\(EXT-API\\).*Sum duplicate lines")
        self.stock_up(self.product, 7)
        run = self.import_snapshot(content, sum_duplicates=True, full_snapshot=False)
        self.assertFalse(run.line_ids, "3 + 4 = the 7 Odoo has")

    def test_negative_quantities(self):
        self.assertRefused(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "-2", "")]),
            "1 quantities are negative: row 2 \\(EXT-API: -2\\)",
        )

    def test_unit_of_another_category(self):
        self.assertRefused(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "2", "KG")]),
            "1 rows are in a unit of another category.*row 2 \\(EXT-API, unit KG\\)",
        )

    def test_snapshot_from_the_future(self):
        self.assertRefused(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "2", "")]),
            "from the future",
            as_of=fields.Datetime.now() + 2 * HOUR,
        )

    def test_backend_the_user_may_not_see(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["stock.sync.backend"].create(
            {
                "name": "Other WMS",
                "kind": self.kind,
                "base_url": "http://127.0.0.1:9",
                "auth_type": "none",
                "company_id": other.id,
            }
        )
        self.assertRefused(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "2", "")]),
            "You may not use backend",
            backend_id=foreign.id,
        )
        user = self.sync_user_of("recon_other_user", self.company)
        with self.assertRaisesRegex(UserError, "You may not use backend"):
            self.env["stock.sync.reconciliation"].with_user(user).create(
                {"backend_id": foreign.id, "warehouse_id": self.warehouse.id}
            )

    def test_unknown_status_and_location_are_listed_not_dropped(self):
        run = self.import_snapshot(
            self.csv_file(
                [
                    ("EXT-API", "WH-STOCK", "", "in transit", "2", ""),
                    ("EXT-API", "NOWHERE", "", "", "2", ""),
                ]
            )
        )
        self.assertEqual(
            sorted(run.line_ids.mapped("hint")),
            [
                "Row 2: unknown status in transit: map it on the run. Add the cross-reference, then compare again.",
                "Row 3: location NOWHERE is not mapped, or outside this run's warehouse. Add the "
                "cross-reference, then compare again.",
            ],
        )
        # Mapped on the run, the status is compared on the next run of the compare.
        run.status_mapping = "in transit = available"
        self.env["stock.sync.xref.location"].create(
            {
                "backend_id": self.backend.id,
                "external_code": "NOWHERE",
                "location_id": self.shelf.id,
            }
        )
        run.with_user(self.recon_user).action_compare()
        self.assertEqual(run.count_unmapped, 0)
        self.assertEqual(run.count_missing_odoo, 2)

    def test_apply_a_draft_or_cancelled_run(self):
        run = (
            self.env["stock.sync.reconciliation"]
            .with_user(self.recon_user)
            .create({"warehouse_id": self.warehouse.id})
        )
        with self.assertRaisesRegex(UserError, "has no snapshot"):
            run.action_compare()
        with self.assertRaisesRegex(UserError, "this needs a run that is Compared or To Approve"):
            run.action_apply()
        run.action_cancel()
        with self.assertRaisesRegex(UserError, "is Cancelled"):
            run.action_compare()
