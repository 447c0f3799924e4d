"""Payload text does not depend on the language of whoever validates."""

from odoo.tests import new_test_user, tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerPayloadLanguage(LedgerScenarioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.french_operator = new_test_user(
            cls.env, "sync_operator_fr", groups="stock.group_stock_user", lang="fr_FR"
        )
        cls.french_manager = new_test_user(
            cls.env, "sync_manager_fr", groups="stock.group_stock_manager", lang="fr_FR"
        )
        cls.product.with_context(lang="fr_FR").name = "Paracétamol principe actif"
        cls.product.uom_id.with_context(lang="fr_FR").name = "Unités"
        cls.dozen.with_context(lang="fr_FR").name = "Douzaines"

    def test_payload_names_are_english_whoever_validates(self):
        self.assertEqual(self.product.with_context(lang="fr_FR").name, "Paracétamol principe actif")
        picking = self._picking(
            self.warehouse.in_type_id, [(self.product, 1)], self.supplier_loc, self.stock
        )
        picking.move_ids.product_uom = self.dozen
        # What the web client sends for a French user: their language in the context.
        picking = picking.with_context(lang="fr_FR")
        with self.capture_events() as captured:
            self.validate(picking, user=self.french_operator)
        data = captured.events.payload["data"]
        self.assertEqual(data["product"]["name"], "Paracetamol API")
        self.assertEqual(data["uom"], "Units")
        self.assertEqual(data["move_uom"], "Dozens")
        picking.move_line_ids.with_user(self.french_manager).quantity = 2
        correction = self.env["stock.sync.event"].search(
            [("move_line_id", "=", picking.move_line_ids.id)], limit=1
        )
        self.assertEqual(correction.operation, "correction")
        self.assertEqual(correction.payload["data"]["product"]["name"], "Paracetamol API")
        self.assertEqual(correction.payload["data"]["move_uom"], "Dozens")
        self.assertOutboxMatchesStockLedger()

    def test_lot_event_names_are_english(self):
        self.product.tracking = "lot"
        lot = self.env["stock.lot"].create({"name": "FR-1", "product_id": self.product.id})
        with self.capture_events() as captured:
            lot.with_user(self.french_manager).with_context(lang="fr_FR").ref = "REF-FR"
        self.assertEqual(captured.events.payload["data"]["product"]["name"], "Paracetamol API")
