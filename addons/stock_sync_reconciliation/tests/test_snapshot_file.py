"""Reading snapshot files: the service alone (no database), on the formats systems export."""

import io

import openpyxl

from odoo.tests import BaseCase, tagged

from ..services import snapshot_file as sf


@tagged("post_install", "-at_install")
class TestSnapshotFile(BaseCase):
    def test_masonhub_csv_split_by_status(self):
        content = (
            b"sku_id,customer_identifier,location_id,location_address,inventory_status,quantity,as_of\n"
            b'e5d0,SKU-10000,bf7b,"MasonHub - Rancho Cucamonga",available,100,2019-08-05T08:15:30Z\n'
            b'e5d0,SKU-10000,bf7b,"MasonHub - Rancho Cucamonga",allocated,50,2019-08-05T08:15:30Z\n'
        )
        _header, mapping, rows = sf.read_snapshot(content, "snapshot.csv")
        self.assertEqual(mapping["sku"], "customer_identifier")
        self.assertEqual(mapping["status"], "inventory_status")
        self.assertEqual(
            [(r.sku, r.status, r.quantity) for r in rows],
            [("SKU-10000", "available", 100.0), ("SKU-10000", "allocated", 50.0)],
        )

    def test_amazon_tsv_header_with_spaces(self):
        content = (
            b"seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code"
            b"\tQuantity Available\nsku-1\tfc-1\tasin-1\tNew\tSELLABLE\t11\n"
        )
        _header, mapping, rows = sf.read_snapshot(content, "report.tsv")
        self.assertEqual(mapping["quantity"], "Quantity Available")
        self.assertEqual(
            (rows[0].sku, rows[0].status, rows[0].quantity), ("sku-1", "sellable", 11.0)
        )

    def test_odoo_xlsx_template_counted_quantity_and_product_label(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Product", "Lot/Serial Number", "Quantity", "Counted Quantity"])
        sheet.append(["[FURN_5555] Cable Management Box", "CM-BOX-00001", 50, 48])
        sheet.append(["[E-COM08] Storage Box", None, 18, 18.5])
        buffer = io.BytesIO()
        workbook.save(buffer)
        _header, mapping, rows = sf.read_snapshot(buffer.getvalue(), "count.xlsx")
        self.assertEqual(mapping["quantity"], "Counted Quantity")
        self.assertEqual(
            [(r.sku, r.lot, r.quantity) for r in rows],
            [("FURN_5555", "CM-BOX-00001", 48.0), ("E-COM08", "", 18.5)],
        )

    def test_repeated_header_rows_are_refused(self):
        content = b"sku\tquantity\nsku\tquantity\nsku\tquantity\n"
        with self.assertRaisesRegex(
            sf.SnapshotError, "2 quantities are not numbers.*repeat its header"
        ):
            sf.read_snapshot(content, "report.tsv")

    def test_decimal_comma_and_thousands(self):
        self.assertEqual(sf.parse_quantity("1 234,5"), 1234.5)
        self.assertEqual(sf.parse_quantity("1,234.5"), 1234.5)
        self.assertIsNone(sf.parse_quantity("n/a"))
        self.assertIsNone(sf.parse_quantity("inf"))
