# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Each bad input of the service: a clear refusal, a stable code, the log, nothing consumed."""

from odoo.tests import tagged

from ..services.scan_codes import CODES
from .common import ScanCase


@tagged("post_install", "-at_install")
class TestBadInput(ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.production = cls.new_production(cls, qty=2)

    def setUp(self):
        super().setUp()
        self.bolts_before = self.quantity_at(self.bolt)

    def assertNothingConsumed(self):
        self.assertEqual(self.quantity_at(self.bolt), self.bolts_before)
        self.assertFalse(self.production.move_raw_ids.filtered(lambda m: m.state == "done"))

    def test_unknown_barcode(self):
        answer = self.scan("NO-SUCH-THING-42", self.production)
        self.assertRefused(answer, "unknown_barcode", self.production)
        self.assertIn("NO-SUCH-THING-42", answer["message"])
        self.assertEqual(answer["production"]["id"], self.production.id)
        self.assertEqual(CODES[answer["code"]], 404)

    def test_missing_barcode(self):
        for barcode in ("", None, "   ", 42):
            answer = self.scan(barcode, self.production)
            self.assertRefused(answer, "missing_field", self.production)

    def test_product_not_in_the_order(self):
        answer = self.scan("GREASE-0001", self.production)
        self.assertRefused(answer, "not_a_component", self.production)
        self.assertIn("Grease", answer["message"])
        self.assertEqual(self.log_of(answer).product_id, self.grease)

    def test_order_not_open(self):
        draft = self.env["mrp.production"].create(
            {"product_id": self.pump.id, "bom_id": self.bom.id, "product_qty": 1}
        )
        self.assertRefused(self.scan("4006381333931", draft), "mo_state")
        cancelled = self.new_production(qty=1)
        cancelled.action_cancel()
        answer = self.scan("4006381333931", cancelled)
        self.assertRefused(answer, "mo_state", cancelled)
        self.assertIn("Cancelled", answer["message"])
        self.assertEqual(CODES["mo_state"], 409)
        self.assertNothingConsumed()

    def test_quantities(self):
        for quantity in (0, -3, "0", "-1", 1e12, "abc", float("nan"), float("inf"), True, [1]):
            with self.subTest(quantity=quantity):
                answer = self.scan("4006381333931", self.production, quantity=quantity)
                self.assertRefused(answer, "bad_quantity", self.production)
                self.assertEqual(CODES["bad_quantity"], 400)
        self.assertNothingConsumed()
        # A numeric string is a number.
        self.assertTrue(self.scan("4006381333931", self.production, quantity="2")["ok"])

    def test_unit_of_another_category(self):
        answer = self.scan("4006381333931", self.production, quantity=1, uom=self.kg.id)
        self.assertRefused(answer, "bad_uom", self.production)
        self.assertIn("does not convert", answer["message"])
        answer = self.scan("4006381333931", self.production, quantity=1, uom="Furlongs")
        self.assertRefused(answer, "bad_uom", self.production)
        self.assertNothingConsumed()

    def test_another_companys_order(self):
        other = self.env["res.company"].create({"name": "Other Works"})
        other_pump = self.env["mrp.production"].create(
            {
                "product_id": self.pump.id,
                "product_qty": 1,
                "company_id": other.id,
                "picking_type_id": self.env["stock.warehouse"]
                .search([("company_id", "=", other.id)], limit=1)
                .manu_type_id.id,
            }
        )
        for reference in (other_pump.id, other_pump.name):
            answer = self.scan("4006381333931", reference)
            self.assertRefused(answer, "other_company")
            self.assertIsNone(answer["production"], "nothing of it is shown")
            self.assertEqual(CODES["other_company"], 404)
        self.assertRefused(self.scan(other_pump.name), "other_company")
        self.assertRefused(self.scan("4006381333931", "WH/MO/NOPE"), "unknown_production")
        self.assertRefused(self.scan("4006381333931", 10**9), "unknown_production")
        self.assertRefused(self.scan("NOT-AN-ORDER"), "unknown_barcode")

    def test_location_outside_the_company_stock(self):
        supplier = self.env.ref("stock.stock_location_suppliers")
        for location in (supplier.id, 10**9, "shelf"):
            answer = self.scan("4006381333931", self.production, location=location)
            self.assertRefused(answer, "bad_location", self.production)
        self.assertNothingConsumed()

    def test_not_enough_stock(self):
        answer = self.scan("4006381333931", self.production, quantity=500)
        self.assertRefused(answer, "over_consumption", self.production)
        self.company.scan_over_consumption = "warn"
        answer = self.scan("4006381333931", self.production, quantity=500)
        self.assertRefused(answer, "not_available", self.production)
        self.assertIn("100", answer["message"])
        self.assertNothingConsumed()

    def test_every_code_has_an_http_status(self):
        codes = self.env["mrp.barcode.scan"]._fields["code"].get_values(self.env)
        self.assertEqual(set(codes), set(CODES))
        self.assertTrue(all(status in (200, 400, 404, 409, 422) for status in CODES.values()))
