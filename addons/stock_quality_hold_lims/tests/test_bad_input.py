"""Every bad input of the issue: a clear answer to the lab, an inbound-log entry, nothing
half-written (no decision recorded, no stock moved, the lot unchanged)."""

import time

from odoo import Command
from odoo.tests import tagged

from .common import LimsCase


@tagged("post_install", "-at_install")
class TestBadInput(LimsCase):
    def setUp(self):
        super().setUp()
        self.picking, self.held_lot = self.receive_lot(f"LOT-BAD-{time.time_ns()}", 5)

    def assertNothingWritten(self):
        self.assertFalse(self.dispositions(), "no decision recorded")
        self.assertEqual(self.quantities(self.held_lot), {"qa_hold": 5}, "no stock moved")
        self.assertEqual(self.held_lot.quality_status, "on_hold")
        self.assertFalse(self.held_lot.lims_result)
        self.assertOutboxMatchesStockLedger()

    def assertRejected(self, decision, expected_error, status=422):
        code, answer = self.post(decision)
        self.assertEqual(code, status, answer)
        result = answer["results"][0]
        self.assertEqual(result["status"], "rejected")
        self.assertIn(expected_error, result["error"])
        log = self.inbound().filtered(lambda r: r.state == "rejected")
        self.assertEqual(len(log), 1, "one inbound-log entry")
        self.assertIn(expected_error, log.error)
        self.assertFalse(log.dedup_key, "the decision id stays free for the corrected one")
        self.assertNothingWritten()
        return result

    def decision(self, **extra):
        return self.sim.disposition(self.held_lot.name, "POT-1", **extra)

    def test_a_bad_signature_is_refused_with_401_and_logged(self):
        other = "whsec_" + "B" * 44
        status, answer = self.post(self.decision(), secret=other)
        self.assertEqual((status, answer["status"]), (401, "rejected"))
        self.assertIn("Signature refused", answer["error"])
        self.assertIn("Signature refused", self.inbound().error)
        self.assertNothingWritten()

    def test_a_stale_timestamp_is_refused(self):
        status, answer = self.post(self.decision(), timestamp=time.time() - 600)
        self.assertEqual(status, 401)
        self.assertIn("5 minutes", answer["error"])
        self.assertEqual(self.inbound().state, "rejected")
        self.assertNothingWritten()

    def test_an_unknown_product_reference_is_rejected(self):
        decision = self.sim.disposition(self.held_lot.name, "NO-SUCH-REF")
        self.assertRejected(decision, "Unknown product reference NO-SUCH-REF")

    def test_a_result_outside_the_list_is_rejected(self):
        self.assertRejected(self.decision(result="approved"), "Unknown result 'approved'")

    def test_partial_quantities_exceeding_what_is_held_are_rejected(self):
        decision = self.decision(quantities=[{"package": None, "quantity": 6}])
        self.assertRejected(decision, "only 5 is held there")

    def test_a_retest_without_a_date_is_rejected(self):
        decision = self.decision(result="retest")
        decision.pop("retest_date")
        self.assertRejected(decision, "'retest_date' is required")

    def test_another_companys_lot_is_rejected(self):
        other = self.env["res.company"].create({"name": "Other Labs Co"})
        self.env.user.company_ids = [Command.link(other.id)]
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)])
        picking = (
            self.env["stock.picking"]
            .with_company(other)
            .create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": "foreign",
                                "product_id": self.tested.id,
                                "product_uom_qty": 2,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        picking.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": self.tested.id,
                    "lot_name": "LOT-FOREIGN-1",
                    "quantity": 2,
                    "picking_id": picking.id,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                }
            )
        ]
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        decision = self.sim.disposition("LOT-FOREIGN-1", "POT-1")
        self.assertRejected(decision, "belongs to Other Labs Co")

    def test_a_lot_registered_in_another_company_is_rejected(self):
        other = self.env["res.company"].create({"name": "Sister Plant"})
        self.env["stock.lot"].create(
            {"name": "LOT-SISTER-1", "product_id": self.tested.id, "company_id": other.id}
        )
        decision = self.sim.disposition("LOT-SISTER-1", "POT-1")
        self.assertRejected(decision, "belongs to Sister Plant")

    def test_malformed_json_is_refused_with_400(self):
        status, answer = self.post(body=b'{"dispositions": [')
        self.assertEqual(status, 400)
        self.assertIn("Malformed JSON", answer["error"])
        self.assertRecordValues(self.inbound(), [{"state": "rejected"}])
        self.assertNothingWritten()

    def test_an_oversized_pdf_is_rejected(self):
        decision = self.decision(certificate=self.sim.pdf_certificate("COA-BIG", 2 * 1024 * 1024))
        self.assertRejected(decision, "larger than 1024 KiB")

    def test_an_unknown_lot_waits_for_it(self):
        decision = self.sim.disposition("LOT-NOT-YET", "POT-1")
        status, answer = self.post(decision)
        self.assertEqual((status, answer["results"][0]["status"]), (200, "waiting"))
        self.assertIn("not been received yet", answer["results"][0]["detail"])
        self.assertEqual(self.dispositions().state, "waiting")
        self.assertEqual(self.quantities(self.held_lot), {"qa_hold": 5})
        self.assertOutboxMatchesStockLedger()

    def test_the_simulator_faults_reach_odoo_as_clear_answers(self):
        self.sim.inject("unknown_lot")
        self.sim.inject("bad_signature")
        self.sim.inject("oversized_pdf")
        # Three lots await their test (setUp's and two more): one fault each.
        for _n in range(2):
            self.receive_lot(f"LOT-FAULT-{_n}-{time.time_ns()}", 1)
        answers = self.lab_decides(answers=3)
        statuses = sorted(a.get("results", [a])[0].get("status") for _code, a in answers)
        self.assertEqual(statuses, ["rejected", "rejected", "waiting"])
        self.assertEqual(sorted(code for code, _a in answers), [200, 401, 422])
        self.assertFalse(
            self.dispositions().filtered(lambda d: d.state != "waiting"), "nothing applied"
        )
        self.assertOutboxMatchesStockLedger()
