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

    # Application identifiers Odoo's default nomenclature lacks, added as data
    # rules of type "Other GS1 Data" (data/barcode_rule_gs1_data.xml): real labels
    # carry them next to the GTIN, lot and weight. Synthetic labels of the same
    # shapes as public GS1 test strings.
    def test_production_date_and_expiry_datamatrix(self):
        # DataMatrix: GTIN, production date (11), expiry (17, in 2045), lot, net weight.
        barcode = (
            "]d2" + "0109501101020917" + "11250102" + "17451231" + "10RES-A" + GS + "3103000250"
        )
        answer = self.scan(barcode, self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(
            (answer["consumed"]["lot"], answer["consumed"]["quantity"]), ("RES-A", 0.25)
        )

    def test_price_currency_and_postal_code_are_ignored(self):
        # GS1-128 with a price in a currency (3932: ISO 4217 978 then 12.50), the
        # net weight, a price (3922) and a ship-to postal code with its country (421).
        barcode = (
            "]C1"
            + "0109501101020917"
            + "10RES-A"
            + GS
            + "39329781250"
            + GS
            + "3103000500"
            + "39224711"
            + GS
            + "42127649716"
        )
        answer = self.scan(barcode, self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 0.5)
        elements = self.production._scan_gs1_elements(barcode, {})
        self.assertEqual(
            [(e["ai"], e["type"]) for e in elements],
            [
                ("01", "product"),
                ("10", "lot"),
                ("3932", "gs1_other"),
                ("3103", "quantity"),
                ("3922", "gs1_other"),
                ("421", "gs1_other"),
            ],
        )
        self.assertEqual(elements[2]["value"], "9781250", "currency and amount kept as text")
        self.assertEqual(elements[4]["value"], 47.11)

    def test_logistic_weight_is_no_quantity(self):
        # 3302: gross weight of the trade unit (234.56 kg), never the consumed quantity.
        answer = self.scan("0104006381333931" + "3302023456" + "374", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 4.0, "the count (37), not the weight")
        answer = self.scan(GS + "0104006381333931" + "3302023456", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 1.0)

    def test_company_internal_and_additional_id(self):
        # Additional product id (240), company internal data (92, 99), as on
        # serialised packs and in GS1's own examples.
        barcode = GS + "0104006381333931" + "240PART-7" + GS + "92DbZ+8/Ad==" + GS + "99TESTING"
        answer = self.scan(barcode, self.production, quantity=2)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(
            (answer["consumed"]["product_id"], answer["consumed"]["quantity"]),
            (self.bolt.id, 2.0),
        )

    def test_new_identifiers_still_refuse_bad_values(self):
        for barcode in (
            GS + "0109501101020917" + "11251340" + "10RES-A",  # month 13
            GS + "0109501101020917" + "10RES-A" + GS + "3932",  # a price without digits
            GS + "0109501101020917" + "10RES-A" + GS + "421" + "27",  # country code cut short
        ):
            with self.subTest(barcode=barcode):
                self.assertRefused(self.scan(barcode, self.production), "bad_gs1", self.production)

    def test_caret_notation_and_doubled_fnc1(self):
        # "^" for FNC1, as GS1's specifications print element strings: SSCC,
        # GTIN of the content (02), count (37), lot.
        answer = self.scan(
            "^00" + "095011010000000018" + "02" + "04006381333931" + "373" + "^10LOT-X",
            self.production,
        )
        self.assertRefused(answer, "lot_unknown", self.production)  # parsed as far as the lot
        answer = self.scan("^0104006381333931" + "372", self.production)
        self.assertEqual((answer["code"], answer["consumed"]["quantity"]), ("consumed", 2.0))
        # A separator after the lot, then the scanner's own: one FNC1.
        answer = self.scan("0109501101020917" + "10RES-A" + GS + GS + "3103000100", self.production)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 0.1)
