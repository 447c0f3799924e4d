"""Inbound status changes move stock between buckets; an unmapped status waits."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import StatusCase


@tagged("post_install", "-at_install")
class TestStatusInbound(StatusCase):
    def test_an_unmapped_status_waits_then_holds_when_mapped(self):
        self.receive([(self.product, 10)])
        event = self.sim.status_change("EXT-API", "WH-STOCK", 4, "QC-HOLD")
        status, answer = self.push_and_apply(event)
        self.assertEqual((status, answer["accepted"]), (200, 1))
        record = self.inbound(event["id"])
        self.assertRecordValues(
            record,
            [{"state": "waiting_mapping", "missing_mapping": "external status 'QC-HOLD'"}],
        )
        self.assertIn("No mapping for external status 'QC-HOLD'", record.error)
        self.assertEqual(self.quantities()["stock"], 10, "nothing guessed, nothing moved")
        self.map_status("QC-HOLD", "qa_hold")
        self.assertEqual(self.inbound(event["id"]).state, "received", "reprocessed")
        self.apply()
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(
            self.quantities(), {"stock": 6, "qa_hold": 4, "quarantine": 0, "rejected": 0}
        )
        history = self.env["stock.quality.hold.history"].search(
            [("product_id", "=", self.product.id)]
        )
        self.assertEqual(history.action, "hold")
        self.assertEqual(history.user_id, self.inbound_user, "as the technical user")
        self.assertEqual(history.reason_id.code, "external_status")
        self.assertIn("status QC-HOLD", history.note)
        self.assertEqual(record.move_ids, history.move_id)
        self.assertOutboxMatchesStockLedger()

    def test_rejected_takes_held_stock_first_and_available_releases(self):
        self.map_status("QC-HOLD", "qa_hold")
        self.map_status("QUARANTINE", "quarantine")
        self.map_status("DAMAGED", "rejected")
        self.map_status("AVAILABLE", "available")
        self.receive([(self.product, 10)])
        self.push_and_apply(
            self.sim.status_change("EXT-API", "WH-STOCK", 3, "QC-HOLD"),
            self.sim.status_change("EXT-API", "WH-STOCK", 2, "QUARANTINE"),
        )
        self.assertEqual(
            self.quantities(), {"stock": 5, "qa_hold": 3, "quarantine": 2, "rejected": 0}
        )
        # 4 damaged: the 3 in QA hold, then 1 from quarantine (held stock first).
        self.push_and_apply(self.sim.status_change("EXT-API", "WH-STOCK", 4, "DAMAGED"))
        self.assertEqual(
            self.quantities(), {"stock": 5, "qa_hold": 0, "quarantine": 1, "rejected": 4}
        )
        # Available again: the quarantined unit is released.
        event = self.sim.status_change("EXT-API", "WH-STOCK", 1, "AVAILABLE")
        self.push_and_apply(event)
        self.assertEqual(self.inbound(event["id"]).state, "done")
        self.assertEqual(
            self.quantities(), {"stock": 6, "qa_hold": 0, "quarantine": 0, "rejected": 4}
        )
        # Releasing rejected stock needs the override right, which the WMS has not.
        event = self.sim.status_change("EXT-API", "WH-STOCK", 1, "AVAILABLE")
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "error")
        self.assertTrue(record.error)
        self.assertEqual(self.quantities()["rejected"], 4, "nothing half-done")
        self.assertOutboxMatchesStockLedger()

    def test_more_than_there_is_is_held_for_investigation(self):
        self.map_status("QC-HOLD", "qa_hold")
        self.receive([(self.product, 2)])
        event = self.sim.status_change("EXT-API", "WH-STOCK", 5, "QC-HOLD")
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "held_negative")
        self.assertIn("only 2", record.error)
        self.assertTrue(record.activity_ids, "the warehouse team is alerted")
        self.assertEqual(self.quantities()["stock"], 2, "all or nothing")
        self.assertOutboxMatchesStockLedger()

    def test_a_lot_is_named_and_must_exist(self):
        self.map_status("QC-HOLD", "qa_hold")
        self.receive([(self.lot_product, 6)], lot_names=["L-1", "L-2"])
        good = self.sim.status_change("EXT-RES", "WH-STOCK", 3, "QC-HOLD")
        good["data"]["lot"] = "L-2"
        missing = self.sim.status_change("EXT-RES", "WH-STOCK", 1, "QC-HOLD")
        missing["data"]["lot"] = "L-404"
        self.push_and_apply(good, missing)
        self.assertEqual(self.inbound(good["id"]).state, "done")
        lot = self.env["stock.lot"].search([("name", "=", "L-2")])
        self.assertEqual(lot.quality_status, "on_hold")
        self.assertEqual(self.on_hand(self.lot_product, self.qa_hold), 3)
        record = self.inbound(missing["id"])
        self.assertEqual(record.state, "rejected")
        self.assertIn("no lot L-404", record.error)
        self.assertOutboxMatchesStockLedger()

    def test_statuses_import_through_odoos_standard_import(self):
        result = (
            self.env["stock.sync.xref.status"]
            .with_user(self.sync_manager)
            .load(
                ["backend_id/.id", "external_code", "bucket"],
                [
                    [str(self.backend.id), "QC-HOLD", "qa_hold"],
                    [str(self.backend.id), "OK", "available"],
                ],
            )
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 2)
        with mute_logger("odoo.sql_db"):
            result = (
                self.env["stock.sync.xref.status"]
                .with_user(self.sync_manager)
                .load(
                    ["backend_id/.id", "external_code", "bucket"],
                    [[str(self.backend.id), "BAD", "lost"]],
                )
            )
        self.assertTrue(result["messages"], "an unknown bucket is refused by the import")
