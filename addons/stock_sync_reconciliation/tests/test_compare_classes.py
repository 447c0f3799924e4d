"""Every class of difference, from one snapshot file against stock built through receipts."""

from odoo.tests import tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestCompareClasses(ReconciliationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.missing_here = cls.new_product("REC-NEW", standard_price=2.0)
        cls.missing_there = cls.new_product("REC-GONE", standard_price=3.0)
        cls.held = cls.new_product("REC-HELD", standard_price=4.0)
        cls.env["stock.sync.xref.product"].create(
            [
                {"backend_id": cls.backend.id, "external_code": code, "product_id": product.id}
                for code, product in (
                    ("EXT-NEW", cls.missing_here),
                    ("EXT-GONE", cls.missing_there),
                    ("EXT-HELD", cls.held),
                )
            ]
        )

    def test_each_class_with_value_percent_and_hint(self):
        self.stock_up(self.product, 100)
        self.stock_up(self.carton, 24, self.shelf)
        self.stock_up(self.lot_product, 10, lot_name="L1")
        self.stock_up(self.missing_there, 7)
        self.stock_up(self.held, 4)
        content = self.csv_file(
            [
                ("EXT-API", "WH-STOCK", "", "available", "90", ""),  # quantity mismatch
                ("EXT-PKG", "SHELF-A", "", "available", "2", ""),  # 24 units = 2 dozens
                ("EXT-RES", "WH-STOCK", "L2", "available", "10", ""),  # the lot is L1 in Odoo
                ("EXT-NEW", "WH-STOCK", "", "available", "5", ""),  # missing in Odoo
                ("EXT-HELD", "WH-STOCK", "", "quarantine", "4", ""),  # held there, free here
                ("EXT-UNKNOWN", "WH-STOCK", "", "available", "3", ""),  # no cross-reference
            ]
        )
        run = self.import_snapshot(content)
        self.assertEqual(run.state, "to_approve")
        self.assertRecordValues(
            self.line(run, self.product),
            [
                {
                    "diff_class": "quantity",
                    "qty_odoo": 100,
                    "qty_external": 90,
                    "difference": -10,
                    "correction_qty": -10,
                    "percent": -10.0,
                    "value": -100.0,
                }
            ],
        )
        carton = self.line(run, self.carton)
        self.assertEqual(carton.diff_class, "unit_factor")
        self.assertIn("ratio is 12", carton.hint)
        lots = self.line(run, self.lot_product)
        self.assertEqual(sorted(lots.mapped("diff_class")), ["lot", "lot"])
        self.assertEqual(sorted(lots.mapped("correction_qty")), [-10.0, 10.0])
        self.assertIn("under lot", lots.filtered(lambda line: line.lot_name == "L2").hint)
        self.assertRecordValues(
            self.line(run, self.missing_here),
            [{"diff_class": "missing_odoo", "qty_odoo": 0, "qty_external": 5, "value": 10.0}],
        )
        self.assertRecordValues(
            self.line(run, self.missing_there),
            [{"diff_class": "missing_external", "qty_odoo": 7, "qty_external": 0, "value": -21.0}],
        )
        held = self.line(run, self.held)
        self.assertEqual(held.mapped("diff_class"), ["status", "status"])
        self.assertEqual(sorted(held.mapped("bucket")), ["available", "quarantine"])
        unmapped = run.line_ids.filtered(lambda line: line.diff_class == "unmapped")
        self.assertRecordValues(
            unmapped,
            [
                {
                    "external_sku": "EXT-UNKNOWN",
                    "qty_external": 3,
                    "decision": "nothing",
                    "snapshot_row": 7,
                }
            ],
        )
        self.assertIn("unknown SKU EXT-UNKNOWN", unmapped.hint)
        self.assertRecordValues(
            run,
            [
                {
                    "count_quantity": 1,
                    "count_unit_factor": 1,
                    "count_lot": 2,
                    "count_missing_odoo": 1,
                    "count_missing_external": 1,
                    "count_status": 2,
                    "count_unmapped": 1,
                    "count_in_flight": 0,
                }
            ],
        )
        # 9 keys compared (8 with stock somewhere, and the unmapped line); none within tolerance.
        self.assertEqual(run.key_count, 9)
        self.assertEqual(run.accuracy, 0.0)
        self.assertAlmostEqual(
            run.variance_value,
            sum(
                abs(v)
                for v in run.line_ids.filtered(
                    lambda line: line.diff_class not in ("in_flight", "unmapped")
                ).mapped("value")
            ),
        )

    def test_matching_snapshot_without_backend_maps_by_reference_and_barcode(self):
        self.stock_up(self.product, 12)
        self.stock_up(self.carton, 3, self.shelf)
        content = self.csv_file(
            [
                (self.product.barcode, "", "", "", "12", "Units"),  # the warehouse's stock
                ("PKG-9", self.shelf.complete_name, "", "available", "0.25", "Dozens"),
            ]
        )
        run = self.import_snapshot(content, backend_id=False, full_snapshot=False)
        self.assertEqual(run.state, "compared")
        self.assertFalse(run.line_ids)
        self.assertEqual((run.key_count, run.matched_count, run.accuracy), (2, 2, 100.0))

    def test_partial_snapshot_leaves_other_products_alone(self):
        self.stock_up(self.product, 5)
        self.stock_up(self.carton, 5)
        run = self.import_snapshot(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "5", "")]), full_snapshot=False
        )
        self.assertFalse(run.line_ids)
        run_full = self.import_snapshot(self.csv_file([("EXT-API", "WH-STOCK", "", "", "5", "")]))
        self.assertEqual(self.line(run_full, self.carton).diff_class, "missing_external")

    def test_boxes_through_the_unit_cross_reference(self):
        self.stock_up(self.product, 30)
        run = self.import_snapshot(
            self.csv_file([("EXT-API", "WH-STOCK", "", "", "3", "BOX10")]), full_snapshot=False
        )
        self.assertFalse(run.line_ids, "3 boxes of 10 are the 30 units Odoo has")
