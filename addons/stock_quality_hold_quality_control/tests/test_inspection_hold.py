from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import InspectionHoldCase


@tagged("post_install", "-at_install")
class TestInspectionHold(InspectionHoldCase):
    def test_receipt_inspection_holds_then_pass_releases(self):
        picking = self.receive(self.product, 10)
        inspection = self.inspections(picking)
        self.assertEqual(len(inspection), 1)
        self.assertEqual(inspection.state, "ready")
        # held, as a real move by the user who validated the receipt
        self.assertEqual(self.qty(self.product, self.qa_hold), 10)
        self.assertEqual(self.qty(self.product, self.stock), 0)
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 0)
        self.assertEqual(inspection.quality_held_qty, 10)
        hold = inspection.quality_hold_history_ids
        self.assertRecordValues(
            hold,
            [
                {
                    "action": "hold",
                    "bucket": "qa_hold",
                    "quantity": 10,
                    "location_id": self.stock.id,
                    "location_dest_id": self.qa_hold.id,
                    "user_id": self.operator.id,
                    "reason_id": self.env.ref("stock_quality_hold.reason_awaiting_inspection").id,
                }
            ],
        )
        self.assertIn(inspection.name, hold.note)
        self.assertEqual(hold.move_id.state, "done")
        # the stock user who received it cannot see it released by the inspection
        with self.assertRaises(AccessError):
            self.answer(inspection, ok=True, user=self.inspector)
        self.assertEqual(self.qty(self.product, self.qa_hold), 10)
        # pass: everything back to stock, with the inspection as the reason
        self.answer(inspection, ok=True)
        self.assertEqual(inspection.state, "success")
        self.assertEqual(self.qty(self.product, self.qa_hold), 0)
        self.assertEqual(self.qty(self.product, self.stock), 10)
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 10)
        release = inspection.quality_hold_history_ids.filtered(lambda h: h.action == "release")
        self.assertRecordValues(
            release,
            [
                {
                    "quantity": 10,
                    "user_id": self.quality_manager.id,
                    "reason_id": self.env.ref("stock_quality_hold.reason_inspection_passed").id,
                    "location_dest_id": self.stock.id,
                }
            ],
        )
        self.assertIn(f"Inspection {inspection.name} (Visual check) passed", release.note)
        self.assertRecordValues(
            inspection.quality_hold_line_ids,
            [{"state": "done", "quantity": 10, "released_qty": 10, "rejected_qty": 0}],
        )
        self.assertEqual(inspection.quality_held_qty, 0)

    def test_fail_rejects_the_lot_with_the_inspection_as_reason(self):
        picking = self.receive(self.lot_product, 8, lots=["QCB-LOT-F"])
        lot = self.lot("QCB-LOT-F")
        inspection = self.inspections(picking)
        self.assertEqual(self.qty(self.lot_product, self.qa_hold, lot), 8)
        self.assertEqual(lot.quality_status, "on_hold")
        self.answer(inspection, ok=False)
        self.assertEqual(inspection.state, "waiting")
        self.assertEqual(self.qty(self.lot_product, self.qa_hold, lot), 8)
        inspection.with_user(self.quality_manager).action_approve()
        self.assertEqual(inspection.state, "failed")
        self.assertEqual(self.qty(self.lot_product, self.qa_hold, lot), 0)
        self.assertEqual(self.qty(self.lot_product, self.rejected, lot), 8)
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 0)
        self.assertEqual(lot.quality_status, "rejected")
        reject = lot.quality_hold_history_ids.filtered(lambda h: h.action == "reject")
        self.assertEqual(
            reject.reason_id, self.env.ref("stock_quality_hold.reason_inspection_failed")
        )
        self.assertEqual(reject.qc_inspection_id, inspection)
        self.assertIn(f"Inspection {inspection.name} (Visual check) failed", reject.note)
        # the lot's chatter names the inspection too
        self.assertTrue(
            lot.message_ids.filtered(lambda m: inspection.name in (m.body or "")),
            "the lot's chatter must name the failed inspection",
        )
        self.assertRecordValues(
            inspection.quality_hold_line_ids,
            [{"state": "done", "released_qty": 0, "rejected_qty": 8}],
        )

    def test_partial_pass_splits_released_and_rejected(self):
        picking = self.receive(self.lot_product, 10, lots=["QCB-LOT-P"])
        lot = self.lot("QCB-LOT-P")
        inspection = self.inspections(picking).with_user(self.quality_manager)
        inspection.quality_rejected_qty = 3
        self.answer(inspection, ok=False)
        inspection.action_approve()
        self.assertEqual(inspection.state, "failed")
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 7)
        self.assertEqual(self.qty(self.lot_product, self.rejected, lot), 3)
        self.assertEqual(self.qty(self.lot_product, self.qa_hold, lot), 0)
        self.assertEqual(lot.quality_status, "rejected")
        histories = inspection.quality_hold_history_ids.sorted("id")
        self.assertEqual(histories.mapped("action"), ["hold", "release", "reject"])
        self.assertEqual(histories.mapped("quantity"), [10, 7, 3])
        for history in histories[1:]:
            self.assertIn("passed in part: 3 of 10", history.note)
        self.assertRecordValues(
            inspection.quality_hold_line_ids,
            [{"state": "done", "released_qty": 7, "rejected_qty": 3}],
        )

    def test_partial_pass_on_a_passed_inspection(self):
        picking = self.receive(self.product, 12)
        inspection = self.inspections(picking).with_user(self.quality_manager)
        inspection.quality_rejected_qty = 2
        self.answer(inspection, ok=True)
        self.assertEqual(inspection.state, "success")
        self.assertEqual(self.qty(self.product, self.stock), 10)
        self.assertEqual(self.qty(self.product, self.rejected), 2)

    def test_held_receipt_is_not_reserved_by_a_waiting_delivery(self):
        delivery = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock.id,
                "location_dest_id": self.customer_loc.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.product.name,
                            "product_id": self.product.id,
                            "product_uom_qty": 4,
                            "product_uom": self.product.uom_id.id,
                            "location_id": self.stock.id,
                            "location_dest_id": self.customer_loc.id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        self.assertEqual(delivery.state, "confirmed")
        # Odoo reserves waiting deliveries as soon as a receipt is done: the hold
        # takes the stock back from it in the same transaction.
        picking = self.receive(self.product, 10)
        self.assertEqual(delivery.state, "confirmed")
        self.assertEqual(delivery.move_ids.quantity, 0)
        self.assertEqual(self.qty(self.product, self.qa_hold), 10)
        self.answer(self.inspections(picking), ok=True)
        delivery.action_assign()
        self.assertEqual(delivery.state, "assigned")

    def test_inspection_per_lot_holds_and_settles_each_lot(self):
        self.receipt_trigger.inspection_per_lot = True
        picking = self.receive(self.lot_product, 10, lots=["QCB-LOT-A", "QCB-LOT-B"])
        lot_a, lot_b = self.lot("QCB-LOT-A"), self.lot("QCB-LOT-B")
        inspections = self.inspections(picking)
        self.assertEqual(len(inspections), 2)
        by_lot = {i.lot_id: i for i in inspections}
        self.assertEqual(set(by_lot), {lot_a, lot_b})
        self.assertEqual(by_lot[lot_a].quality_hold_line_ids.lot_id, lot_a)
        self.assertEqual(by_lot[lot_a].quality_held_qty, 5)
        self.assertEqual(self.qty(self.lot_product, self.qa_hold), 10)
        self.answer(by_lot[lot_a], ok=True)
        self.answer(by_lot[lot_b], ok=False).action_approve()
        self.assertEqual(self.qty(self.lot_product, self.stock, lot_a), 5)
        self.assertEqual(self.qty(self.lot_product, self.rejected, lot_b), 5)
        self.assertEqual((lot_a.quality_status, lot_b.quality_status), ("released", "rejected"))

    def test_manual_inspection_of_a_done_receipt_holds_what_is_not_held(self):
        self.env["qc.trigger.product_line"].search(
            [("trigger", "=", self.receipt_trigger.id)]
        ).unlink()
        picking = self.receive(self.product, 6)
        self.assertFalse(self.inspections(picking))
        self.assertEqual(self.qty(self.product, self.stock), 6)
        inspection = (
            self.env["qc.inspection"]
            .with_user(self.operator)
            .create(
                {
                    "object_id": f"stock.move,{picking.move_ids.id}",
                    "test": self.qc_test.id,
                    "qty": 6,
                }
            )
        )
        self.assertEqual(self.qty(self.product, self.qa_hold), 6)
        self.assertEqual(inspection.quality_held_qty, 6)
        action = inspection.action_view_quality_held_stock()
        self.assertEqual(self.env["stock.quant"].search(action["domain"]).mapped("quantity"), [6])
        # a second inspection of the same move (another test) shares the held stock
        second = (
            self.env["qc.inspection"]
            .with_user(self.operator)
            .create({"object_id": f"stock.move,{picking.move_ids.id}", "test": self.qc_test.id})
        )
        self.assertEqual(self.qty(self.product, self.qa_hold), 6)
        self.assertEqual(second.quality_held_qty, 6)
        inspection.with_user(self.quality_manager).write({"state": "success"})
        self.assertEqual(self.qty(self.product, self.qa_hold), 6, "the other test still runs")
        second.with_user(self.quality_manager).write({"state": "success"})
        self.assertEqual(self.qty(self.product, self.stock), 6)

    # ------------------------------------------------------------------
    # Bad input: a clear error, nothing half-done
    # ------------------------------------------------------------------
    def test_result_on_stock_moved_away_is_refused(self):
        picking = self.receive(self.product, 10)
        inspection = self.inspections(picking)
        held = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.qa_hold.id)]
        )
        held.with_user(self.quality_manager)._quality_action(
            "release", self.env.ref("stock_quality_hold.reason_inspection_passed"), quantity=4
        )
        with self.assertRefused(UserError, r"holds 10 Units of .*QC Bolt.* only 6 Units"):
            self.answer(inspection, ok=True)
        self.assertEqual(inspection.state, "ready")
        self.assertEqual(self.qty(self.product, self.qa_hold), 6)
        self.assertEqual(inspection.quality_held_qty, 10)

    def test_rejected_quantity_mismatch_is_refused(self):
        picking = self.receive(self.product, 5)
        inspection = self.inspections(picking).with_user(self.quality_manager)
        inspection.quality_rejected_qty = 7
        with self.assertRefused(UserError, "rejects 7 Units but holds only 5 Units"):
            self.answer(inspection, ok=True)
        self.assertEqual(inspection.state, "ready")
        self.assertEqual(self.qty(self.product, self.qa_hold), 5)
        inspection.quality_rejected_qty = 5
        with self.assertRefused(UserError, "passed but rejects all 5 Units"):
            self.answer(inspection, ok=True)
        with self.assertRefused(ValidationError, "cannot be negative"):
            inspection.quality_rejected_qty = -1
        self.assertEqual(self.qty(self.product, self.qa_hold), 5)
        self.assertFalse(self.qty(self.product, self.rejected))

    def test_partial_pass_over_several_lots_is_refused(self):
        picking = self.receive(self.lot_product, 10, lots=["QCB-LOT-M1", "QCB-LOT-M2"])
        inspection = self.inspections(picking).with_user(self.quality_manager)
        self.assertEqual(len(inspection.quality_hold_line_ids), 2)
        inspection.quality_rejected_qty = 2
        self.answer(inspection, ok=False)
        with self.assertRefused(UserError, "QCB-LOT-M1.*QCB-LOT-M2.*Inspection per lot"):
            inspection.action_approve()
        self.assertEqual(inspection.state, "waiting")
        self.assertEqual(self.qty(self.lot_product, self.qa_hold), 10)
        # failing the whole quantity is clear: both lots are rejected
        inspection.quality_rejected_qty = 0
        inspection.action_approve()
        self.assertEqual(self.qty(self.lot_product, self.rejected), 10)

    def test_stock_routed_to_qa_hold_on_receipt_is_not_held_twice(self):
        # stock_quality_hold's own flag sends the receipt straight into QA hold
        self.product.quality_inspect_on_receipt = True
        picking = self.receive(self.product, 9)
        self.assertEqual(picking.move_ids.move_line_ids.location_dest_id, self.qa_hold)
        self.assertEqual(self.qty(self.product, self.qa_hold), 9)
        inspection = self.inspections(picking)
        self.assertRecordValues(
            inspection.quality_hold_line_ids,
            [{"location_id": self.qa_hold.id, "quantity": 9, "state": "held"}],
        )
        self.assertFalse(
            inspection.quality_hold_history_ids, "nothing to move: it arrived in QA hold"
        )
        self.answer(inspection, ok=True)
        self.assertEqual(self.qty(self.product, self.qa_hold), 0)
        self.assertEqual(self.qty(self.product, self.stock), 9)
        self.assertEqual(inspection.quality_hold_history_ids.action, "release")

    def test_serials_received_together_fail_together(self):
        sensor = self.env["product.product"].create(
            {"name": "QC Sensor", "is_storable": True, "tracking": "serial"}
        )
        self.env["qc.trigger.product_line"].create(
            {"trigger": self.receipt_trigger.id, "test": self.qc_test.id, "product": sensor.id}
        )
        picking = self.receive(sensor, 3, lots=["QCB-SN-1", "QCB-SN-2", "QCB-SN-3"])
        inspection = self.inspections(picking)
        self.assertEqual(len(inspection.quality_hold_line_ids), 3)
        self.assertEqual(self.qty(sensor, self.qa_hold), 3)
        self.answer(inspection, ok=False).action_approve()
        self.assertEqual(self.qty(sensor, self.rejected), 3)
        self.assertEqual(
            set(inspection.quality_hold_line_ids.lot_id.mapped("quality_status")), {"rejected"}
        )

    def test_inspection_planned_ahead_holds_when_the_receipt_is_done(self):
        self.env["qc.trigger.product_line"].search(
            [("trigger", "=", self.receipt_trigger.id), ("product", "=", self.product.id)]
        ).timing = "plan_ahead"
        picking = (
            self.env["stock.picking"]
            .with_user(self.operator)
            .create(
                {
                    "picking_type_id": self.warehouse.in_type_id.id,
                    "partner_id": self.vendor.id,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": self.stock.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": self.product.name,
                                "product_id": self.product.id,
                                "product_uom_qty": 5,
                                "product_uom": self.product.uom_id.id,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": self.stock.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        inspection = self.inspections(picking)
        self.assertEqual(inspection.state, "plan")
        self.assertFalse(inspection.quality_hold_line_ids, "nothing arrived yet")
        picking.move_ids.quantity = 5
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(inspection.state, "ready")
        self.assertEqual(inspection.quality_held_qty, 5)
        self.assertEqual(self.qty(self.product, self.qa_hold), 5)
