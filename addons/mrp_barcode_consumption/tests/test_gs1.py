# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""GS1 element strings through Odoo's GS1 nomenclature, and package labels."""

from odoo.tests import tagged

from .common import ScanCase

GS = "\x1d"


@tagged("post_install", "-at_install")
class TestGs1(ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.production = cls.new_production(cls, qty=5)  # 20 bolts, 2.5 kg resin, 5 sensors

    def test_gtin_and_count(self):
        # GS1-128 symbology identifier, GTIN-14 of the bolt's EAN-13, AI 37 count.
        answer = self.scan("]C1010400638133393137" + "5", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 5.0)
        self.assertEqual(answer["consumed"]["product_id"], self.bolt.id)
        # AI 30 (variable count) after an FNC1.
        answer = self.scan(GS + "0104006381333931" + "303", self.production)
        self.assertEqual(answer["consumed"]["quantity"], 3.0)

    def test_without_symbology_identifier(self):
        # As many scanners send it: no ]C1, no leading FNC1.
        answer = self.scan("0104006381333931" + "372", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 2.0)
        self.assertRefused(self.scan("0104006381333932", self.production), "bad_gs1")
        self.assertRefused(self.scan("12NOT-GS1", self.production), "unknown_barcode")

    def test_gtin_lot_and_net_weight(self):
        answer = self.scan(GS + "0109501101020917" + "3103000250" + "10RES-A", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["lot"], "RES-A")
        self.assertEqual(answer["consumed"]["quantity"], 0.25)
        self.assertAlmostEqual(self.quantity_at(self.resin, lot=self.lot_a), 19.75)
        # An explicit quantity wins over the label's.
        answer = self.scan(
            GS + "0109501101020917" + "3103000250" + "10RES-A", self.production, quantity=0.5
        )
        self.assertEqual(answer["consumed"]["quantity"], 0.5)

    def test_human_readable_form(self):
        answer = self.scan("(01)09501101020917(10)RES-B(3102)000075", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(
            (answer["consumed"]["lot"], answer["consumed"]["quantity"]), ("RES-B", 0.75)
        )

    def test_serial_ai_21(self):
        self.sensor.barcode = "5901234123457"
        answer = self.scan(GS + "0105901234123457" + "21SN-5", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual((answer["consumed"]["lot"], answer["consumed"]["quantity"]), ("SN-5", 1.0))
        again = self.scan("]d2" + "0105901234123457" + "21SN-5", self.production)
        self.assertRefused(again, "serial_twice")

    def test_weight_for_a_product_counted_in_units(self):
        answer = self.scan(GS + "0104006381333931" + "3103000250", self.production)
        self.assertRefused(answer, "bad_uom", self.production)
        self.assertIn("kg", answer["message"])

    def test_malformed(self):
        for barcode in (
            "]C1" + "0104006381333932",  # wrong check digit
            GS + "01ABC",
            GS + "0109501101020917" + "17" + "0BOGUS",
            "(01)0400638133393",  # a digit short
        ):
            with self.subTest(barcode=barcode):
                self.assertRefused(self.scan(barcode, self.production), "bad_gs1", self.production)

    def test_unknown_gtin_and_lot(self):
        answer = self.scan(GS + "0109506000134352" + "3710", self.production)
        self.assertRefused(answer, "unknown_barcode", self.production)
        self.assertIn("09506000134352", answer["message"])
        answer = self.scan(GS + "0109501101020917" + "10NO-SUCH-LOT", self.production)
        self.assertRefused(answer, "lot_unknown", self.production)

    def test_package(self):
        package = self.env["stock.quant.package"].create({"name": "PALLET-7"})
        self.receive([(self.bolt, 10, None, self.stock, package)])
        answer = self.scan("PALLET-7", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 10.0)
        self.assertEqual(sum(package.quant_ids.mapped("quantity")), 0)
        self.assertEqual(self.log_of(answer).package_id, package)
        # Empty now: nothing left to consume from it.
        self.assertRefused(self.scan("PALLET-7", self.production, quantity=1), "not_available")
