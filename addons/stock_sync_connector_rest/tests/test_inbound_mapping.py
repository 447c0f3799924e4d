"""Cross-references: nothing is guessed; a missing mapping makes the event wait."""

from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestInboundMapping(WmsCase):
    def test_an_unmapped_sku_waits_then_is_applied_when_the_mapping_is_created(self):
        event = self.sim.count("EXT-CARTON", "WH-STOCK", 12)
        status, answer = self.push_and_apply(event)
        self.assertEqual(answer["accepted"], 1, "an unknown SKU is not the sender's error")
        record = self.inbound(event["id"])
        self.assertRecordValues(
            record, [{"state": "waiting_mapping", "missing_mapping": "external SKU 'EXT-CARTON'"}]
        )
        self.assertEqual(self.on_hand(self.carton, self.stock), 0)
        self.env["stock.sync.xref.product"].with_user(self.sync_manager).create(
            {
                "backend_id": self.backend.id,
                "external_code": "EXT-CARTON",
                "product_id": self.carton.id,
            }
        )
        self.assertRecordValues(self.inbound(event["id"]), [{"state": "received"}])
        self.apply()
        self.assertRecordValues(
            self.inbound(event["id"]), [{"state": "done", "missing_mapping": False, "attempts": 2}]
        )
        self.assertEqual(self.on_hand(self.carton, self.stock), 12)
        self.assertOutboxMatchesStockLedger()

    def test_an_unmapped_location_and_unit_wait_too(self):
        location_event = self.sim.count("EXT-API", "BIN-Z9", 1)
        unit_event = self.sim.count("EXT-API", "WH-STOCK", 1, unit="PALLET")
        self.push_and_apply(location_event, unit_event)
        self.assertEqual(
            self.inbound().mapped("missing_mapping"),
            ["external location 'BIN-Z9'", "external unit 'PALLET'"],
        )

    def test_an_external_unit_converts_with_its_factor(self):
        self.push_and_apply(self.sim.count("EXT-API", "WH-STOCK", 3, unit="BOX10"))
        self.assertEqual(self.on_hand(self.product, self.stock), 30)
        self.assertOutboxMatchesStockLedger()

    def test_a_unit_of_another_category_is_rejected(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 3, unit="KG")
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "rejected")
        self.assertIn("Unit KG maps to kg", record.error)
        self.assertIn("fix the unit mapping", record.error)
        self.assertEqual(self.on_hand(self.product, self.stock), 0)

    def test_another_companys_location_cannot_be_mapped(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        other_stock = (
            self.env["stock.warehouse"].search([("company_id", "=", other.id)]).lot_stock_id
        )
        with self.assertRaises(UserError):
            self.env["stock.sync.xref.location"].create(
                {
                    "backend_id": self.backend.id,
                    "external_code": "OTHER",
                    "location_id": other_stock.id,
                }
            )

    def test_one_code_maps_to_one_record(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["stock.sync.xref.product"].create(
                {
                    "backend_id": self.backend.id,
                    "external_code": "EXT-API",
                    "product_id": self.carton.id,
                }
            )

    def test_mappings_import_through_odoos_standard_import(self):
        result = (
            self.env["stock.sync.xref.product"]
            .with_user(self.sync_manager)
            .load(
                ["backend_id/.id", "external_code", "product_id/.id"],
                [[str(self.backend.id), "EXT-CARTON", str(self.carton.id)]],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 1)
