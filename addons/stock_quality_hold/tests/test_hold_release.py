from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestHoldRelease(QualityHoldCase):
    def test_lot_hold_release_reject_as_real_moves_with_history_and_chatter(self):
        lot = self.lot("LOT-H1")
        self.put(self.lot_product, 12, lot=lot)
        quant = self.quants(self.lot_product, self.stock, lot)
        histories, skipped = self.hold(quant, quantity=8, note="Lab sample 42 pending")
        self.assertFalse(skipped)
        qa_hold = self.warehouse.qa_hold_location_id
        self.assertEqual(self.qty(self.lot_product, qa_hold, lot), 8)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 4)
        self.assertEqual(lot.quality_status, "on_hold")
        self.assertEqual(self.quants(self.lot_product, qa_hold, lot).lot_quality_status, "on_hold")
        # a real, done stock move, with the operator as its author
        move = histories.move_id
        self.assertEqual(move.state, "done")
        self.assertEqual((move.location_id, move.location_dest_id), (self.stock, qa_hold))
        self.assertEqual(move.move_line_ids.lot_id, lot)
        self.assertEqual(move.create_uid, self.operator)
        self.assertRecordValues(
            histories,
            [
                {
                    "action": "hold",
                    "bucket": "qa_hold",
                    "user_id": self.operator.id,
                    "reason_id": self.reason.id,
                    "note": "Lab sample 42 pending",
                    "quantity": 8,
                    "lot_id": lot.id,
                    "location_id": self.stock.id,
                    "location_dest_id": qa_hold.id,
                    "warehouse_id": self.warehouse.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(lot.quality_reason_id, self.reason)
        # the lot's chatter says who, why, how much, from where to where
        note = lot.message_ids.filtered(lambda m: "Lab sample 42 pending" in (m.body or ""))
        self.assertTrue(note)
        self.assertIn(self.reason.name, note.body)
        self.assertIn(qa_hold.complete_name, note.body)
        # release 5 of the 8, then reject the last 3
        held = self.quants(self.lot_product, qa_hold, lot)
        self.release(held, quantity=5)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 9)
        self.assertEqual(lot.quality_status, "on_hold")
        self.reject(self.quants(self.lot_product, qa_hold, lot))
        rejected = self.warehouse.rejected_location_id
        self.assertEqual(self.qty(self.lot_product, rejected, lot), 3)
        self.assertEqual(self.qty(self.lot_product, qa_hold, lot), 0)
        self.assertEqual(lot.quality_status, "rejected")
        self.assertEqual(
            lot.quality_hold_history_ids.sorted("id").mapped("action"),
            ["hold", "release", "reject"],
        )
        self.assertEqual(
            lot.quality_hold_history_ids.filtered(lambda h: h.action == "reject").bucket, "rejected"
        )
        # status is searchable and groupable
        self.assertIn(lot, self.env["stock.lot"].search([("quality_status", "=", "rejected")]))
        self.assertIn(
            "rejected",
            [status for (status,) in self.env["stock.lot"]._read_group([], ["quality_status"])],
        )

    def test_serials_one_by_one(self):
        serials = [self.lot(f"SN-{i}", self.serial_product) for i in range(3)]
        for serial in serials:
            self.put(self.serial_product, 1, lot=serial)
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.serial_product.id), ("location_id", "=", self.stock.id)]
        )
        histories, _skipped = self.hold(quants, bucket="quarantine")
        self.assertEqual(len(histories), 3)
        self.assertEqual(histories.mapped("quantity"), [1, 1, 1])
        self.assertEqual({s.quality_status for s in serials}, {"quarantined"})
        self.release(
            self.quants(self.serial_product, self.warehouse.quarantine_location_id, serials[0])
        )
        self.assertEqual(serials[0].quality_status, "released")
        self.assertEqual(serials[1].quality_status, "quarantined")

    def test_untracked_product(self):
        self.put(self.product, 20, location=self.stock2)
        histories, _skipped = self.hold(self.quants(self.product, self.stock2), quantity=20)
        self.assertEqual(histories.location_dest_id, self.warehouse2.qa_hold_location_id)
        self.assertFalse(histories.lot_id)
        self.assertEqual(self.qty(self.product, self.stock2), 0)
        self.release(self.quants(self.product, self.warehouse2.qa_hold_location_id), quantity=20)
        self.assertEqual(self.qty(self.product, self.stock2), 20)

    def test_wizard_from_quants_and_from_lot(self):
        lot = self.lot("LOT-W1")
        self.put(self.lot_product, 6, lot=lot)
        quant = self.quants(self.lot_product, self.stock, lot)
        action = quant.with_user(self.operator).action_open_quality_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.operator)
            .with_context(**action["context"])
            .create({"reason_id": self.reason.id, "quantity": 2})
        )
        self.assertEqual(wizard.quant_ids, quant)
        self.assertEqual(wizard.action, "hold")
        wizard.action_confirm()
        self.assertEqual(self.qty(self.lot_product, self.warehouse.qa_hold_location_id, lot), 2)
        action = (
            lot.with_user(self.quality_manager)
            .with_context(quality_action="release")
            .action_open_quality_wizard()
        )
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.quality_manager)
            .with_context(**action["context"])
            .create({"reason_id": self.reason_passed.id})
        )
        wizard.action_confirm()
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 6)
        self.assertEqual(lot.quality_status, "released")
