"""Receipt → QA hold → lot awaiting test → the lab decides → Odoo's buckets follow."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AWAITING, LimsCase


@tagged("post_install", "-at_install")
class TestEndToEnd(LimsCase):
    def test_receipt_awaits_test_then_lab_release_makes_it_available_and_reservable(self):
        with self.capture_events() as captured:
            picking, lot = self.receive_lot("LOT-REL-1", 10)
        self.assertEqual(self.quantities(lot), {"qa_hold": 10})
        self.assertEqual(lot.quality_status, "on_hold")
        awaiting = captured.of_type(AWAITING)
        self.assertEqual(len(awaiting), 1, "one lot awaiting test, schema-checked by capture")
        data = awaiting.payload["data"]
        self.assertEqual(data["lot"]["name"], "LOT-REL-1")
        self.assertEqual(data["product"]["default_code"], "POT-1")
        self.assertEqual(data["quantity"], 10)
        self.assertEqual(data["supplier"]["name"], "Resin Supplier")
        self.assertEqual(
            data["receipt"], {"id": picking.id, "name": picking.name, "origin": "PO-LAB-1"}
        )
        self.assertEqual(data["location_to"]["id"], self.warehouse.qa_hold_location_id.id)
        self.assertEqual(awaiting.lot_id, lot)
        self.assertEqual(awaiting.delivery_ids.endpoint_id, self.lims_endpoint)

        [(status, answer)] = self.lab_decides()
        self.assertEqual(len(self.sim.samples), 1, "the lab received the signed event")
        self.assertEqual(self.sim.refused_batches, 0, "its signature verified")
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["results"][0]["status"], "accepted")
        self.assertEqual(self.quantities(lot), {"stock": 10})
        self.assertEqual(lot.quality_status, "released")
        disposition = self.dispositions()
        self.assertRecordValues(
            disposition,
            [{"state": "applied", "result": "released", "lot_id": lot.id, "analyst": "A. Chen"}],
        )
        self.assertEqual(lot.lims_disposition_id, disposition)
        self.assertEqual(lot.lims_result, "released")
        # The hold history and the chatter name the lab decision.
        release = disposition.history_ids
        self.assertEqual(release.action, "release")
        self.assertIn(disposition.decision_id, release.note)
        self.assertEqual(release.create_uid, self.lims_user, "applied as the technical user")
        self.assertFalse(self.lims_user.has_group("stock.group_stock_manager"), "least privilege")
        self.assertFalse(self.lims_user.has_group("stock_sync.group_stock_sync_user"))
        self.assertTrue(
            any(disposition.decision_id in m.body for m in lot.message_ids), "chatter names it"
        )
        self.assertRecordValues(self.inbound(disposition.decision_id), [{"state": "done"}])
        # Available and reservable: a delivery reserves the lot.
        self.assertEqual(self.tested.with_context(location=self.stock.id).free_qty, 10)
        delivery = self.deliver_lot(lot, 4, reserve_only=True)
        self.assertEqual(delivery.state, "assigned")
        self.assertEqual(delivery.move_line_ids.lot_id, lot)
        self.assertOutboxMatchesStockLedger()

    def test_lab_rejection_is_never_reserved_even_after_the_scheduler(self):
        self.sim.policy = "fail"
        _picking, lot = self.receive_lot("LOT-REJ-1", 6)
        [(status, answer)] = self.lab_decides()
        self.assertEqual(answer["results"][0]["status"], "accepted", answer)
        self.assertEqual(self.quantities(lot), {"rejected": 6})
        self.assertEqual(lot.quality_status, "rejected")
        self.assertEqual(lot.lims_result, "rejected")
        self.env["stock.quant"]._quant_tasks()
        self.env.invalidate_all()
        self.assertEqual(self.tested.with_context(location=self.stock.id).free_qty, 0)
        self.assertEqual(self.tested.with_context(warehouse_id=self.warehouse.id).free_qty, 0)
        delivery = self.deliver_lot(lot, 1, reserve_only=True)
        self.assertEqual(delivery.state, "confirmed", "nothing to reserve")
        self.assertFalse(delivery.move_line_ids)
        self.env["stock.quant"]._quant_tasks()
        delivery.action_assign()
        self.assertFalse(delivery.move_line_ids, "still nothing after the scheduler")
        self.assertOutboxMatchesStockLedger()

    def test_retest_keeps_the_lot_held_with_its_retest_date(self):
        self.sim.policy = "retest"
        _picking, lot = self.receive_lot("LOT-RT-1", 5)
        with self.capture_events() as captured:
            [(_status, answer)] = self.lab_decides()
        # Everyone else hears it: the lot's new lab status is a lot event.
        lot_event = captured.of_type("odoo.stock_sync.lot.v1")
        self.assertEqual(len(lot_event), 1)
        self.assertIn("lims_retest_date", lot_event.payload["data"]["changed"])
        self.assertEqual(lot_event.payload["data"]["values"]["lims_result"], "retest")
        self.assertEqual(answer["results"][0]["status"], "accepted", answer)
        self.assertEqual(self.quantities(lot), {"qa_hold": 5})
        self.assertEqual(lot.quality_status, "on_hold")
        self.assertEqual(lot.lims_result, "retest")
        self.assertEqual(lot.lims_retest_date, self.dispositions().retest_date)
        self.assertTrue(lot.lims_retest_date)
        self.assertOutboxMatchesStockLedger()

    def test_conditional_release_keeps_its_restriction_and_the_certificate_goes_on_the_lot(self):
        _picking, lot = self.receive_lot("LOT-CND-1", 3)
        decision = self.sim.disposition(
            "LOT-CND-1",
            "POT-1",
            "conditional",
            certificate=self.sim.pdf_certificate("COA-CND-1"),
        )
        status, answer = self.post(decision)
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.quantities(lot), {"stock": 3})
        self.assertEqual(lot.lims_restriction, "Indoor use only")
        self.assertEqual(lot.lims_coa_ref, "COA-CND-1")
        attachment = self.dispositions().attachment_id
        self.assertRecordValues(
            attachment,
            [{"res_model": "stock.lot", "res_id": lot.id, "mimetype": "application/pdf"}],
        )
        self.assertNotIn("JVBER", self.inbound(decision["decision_id"]).payload, "PDF not logged")
        self.assertOutboxMatchesStockLedger()

    def test_four_eyes_release_waits_for_a_quality_manager(self):
        category = self.env["product.category"].create(
            {"name": "Sterile", "lims_release_confirmation": True}
        )
        self.tested.categ_id = category
        _picking, lot = self.receive_lot("LOT-4E-1", 8)
        [(_status, answer)] = self.lab_decides()
        self.assertEqual(answer["results"][0]["state"], "to_confirm", answer)
        disposition = self.dispositions()
        self.assertEqual(self.quantities(lot), {"qa_hold": 8}, "nothing moves before confirmation")
        self.assertEqual(disposition.activity_ids.user_id, self.quality_manager)
        with self.assertRaises(AccessError):
            disposition.with_user(self.operator).action_confirm_release()
        disposition.with_user(self.quality_manager).action_confirm_release()
        self.assertRecordValues(
            disposition, [{"state": "applied", "confirmed_by_id": self.quality_manager.id}]
        )
        self.assertTrue(disposition.confirmed_at)
        self.assertEqual(self.quantities(lot), {"stock": 8})
        self.assertIn(self.quality_manager.name, disposition.history_ids.note)
        self.assertOutboxMatchesStockLedger()
