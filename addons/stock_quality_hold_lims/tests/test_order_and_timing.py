"""Duplicates, out-of-order decisions, a decision before the receipt, partial decisions,
a rejection of stock already reserved or consumed."""

from odoo.tests import tagged

from .common import LimsCase


@tagged("post_install", "-at_install")
class TestOrderAndTiming(LimsCase):
    def test_a_duplicate_decision_is_answered_duplicate_and_applied_once(self):
        self.sim.inject("duplicate")
        _picking, lot = self.receive_lot("LOT-DUP-1", 4)
        first, second = self.lab_decides(answers=2)
        self.assertEqual(first[1]["results"][0]["status"], "accepted")
        self.assertEqual(second[1]["results"][0]["status"], "duplicate")
        decision_id = first[1]["results"][0]["decision_id"]
        self.assertEqual(self.inbound(decision_id).mapped("state"), ["done", "duplicate"])
        self.assertEqual(len(self.dispositions()), 1)
        self.assertEqual(self.quantities(lot), {"stock": 4})
        # The same message replayed (same webhook-id): nothing recorded again.
        decision = self.sim.decisions[0]
        self.post(decision, webhook_id="msg_lims_replay")
        status, answer = self.post(decision, webhook_id="msg_lims_replay")
        self.assertEqual((status, answer["status"]), (200, "duplicate"))
        self.assertEqual(self.quantities(lot), {"stock": 4})
        self.assertOutboxMatchesStockLedger()

    def test_an_older_decision_never_overrides_a_newer_one(self):
        self.sim.inject("out_of_order")
        _picking, lot = self.receive_lot("LOT-OOO-1", 5)
        newer, older = self.lab_decides(answers=2)
        self.assertEqual(newer[1]["results"][0]["state"], "applied")
        self.assertEqual(older[1]["results"][0]["state"], "superseded")
        self.assertEqual(older[1]["results"][0]["status"], "accepted")
        self.assertEqual(self.quantities(lot), {"rejected": 5}, "the late release undid nothing")
        self.assertEqual(lot.lims_result, "rejected")
        late = self.dispositions().filtered(lambda d: d.state == "superseded")
        self.assertEqual(late.result, "released")
        self.assertIn("recorded, not applied", late.note)
        self.assertEqual(late.activity_ids.user_id, self.quality_manager, "flagged for a person")
        self.assertOutboxMatchesStockLedger()

    def test_a_decision_before_the_receipt_waits_and_applies_on_arrival(self):
        decision = self.sim.disposition("LOT-EARLY-1", "POT-1", "released")
        status, answer = self.post(decision)
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["results"][0]["status"], "waiting")
        disposition = self.dispositions()
        self.assertEqual(disposition.state, "waiting")
        self.assertRecordValues(self.inbound(decision["decision_id"]), [{"state": "done"}])
        _picking, lot = self.receive_lot("LOT-EARLY-1", 7)
        self.assertEqual(disposition.state, "applied")
        self.assertEqual(disposition.lot_id, lot)
        self.assertEqual(self.quantities(lot), {"stock": 7}, "released as it arrived")
        self.assertEqual(lot.quality_status, "released")
        self.assertOutboxMatchesStockLedger()

    def test_a_partial_decision_moves_only_the_quantities_named(self):
        _picking, lot = self.receive_lot("LOT-PART-1", 10)
        decision = self.sim.disposition(
            "LOT-PART-1", "POT-1", "released", quantities=[{"package": None, "quantity": 4}]
        )
        status, answer = self.post(decision)
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.quantities(lot), {"stock": 4, "qa_hold": 6})
        self.assertEqual(self.dispositions().quantities_display, "4 (loose)")
        self.assertOutboxMatchesStockLedger()

    def test_a_rejection_of_reserved_stock_moves_nothing_and_alerts_the_quality_manager(self):
        _picking, lot = self.receive_lot("LOT-RSV-1", 10)
        self.lab_decides()
        self.assertEqual(self.quantities(lot), {"stock": 10})
        shipped = self.deliver_lot(lot, 2)
        reserved = self.deliver_lot(lot, 3, reserve_only=True)
        self.assertEqual(reserved.state, "assigned")
        rejection = self.sim.disposition("LOT-RSV-1", "POT-1", "rejected")
        status, answer = self.post(rejection)
        self.assertEqual(answer["results"][0]["state"], "blocked", answer)
        disposition = self.dispositions().filtered(lambda d: d.result == "rejected")
        self.assertEqual(self.quantities(lot), {"stock": 8}, "nothing moved half-way")
        self.assertIn(reserved.name, disposition.impact)
        self.assertIn(shipped.name, disposition.impact)
        self.assertEqual(disposition.activity_ids.user_id, self.quality_manager)
        # Once unreserved, a Quality Manager applies it again: all of it is rejected.
        reserved.with_user(self.operator).do_unreserve()
        disposition.with_user(self.quality_manager).action_apply_again()
        self.assertEqual(disposition.state, "applied")
        self.assertEqual(self.quantities(lot), {"rejected": 8})
        self.assertOutboxMatchesStockLedger()

    def test_polling_reads_the_decisions_the_webhook_missed(self):
        _picking, lot = self.receive_lot("LOT-POLL-1", 2)
        self.sim.decisions.append(self.sim.disposition("LOT-POLL-1", "POT-1", "released"))
        self.backend.poll_page_size = 10
        self.env.flush_all()
        self.assertEqual(self.backend._poll(), 1)
        self.env.invalidate_all()
        self.assertEqual(self.quantities(lot), {"stock": 2})
        self.assertEqual(self.inbound().source, "pull")
        self.assertOutboxMatchesStockLedger()
