"""Apply a run: inventory adjustments with the run's reason and link, once; re-open shows the changes."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestApply(ReconciliationCase):
    def test_apply_then_reopen_shows_exactly_what_changed(self):
        self.stock_up(self.product, 100)
        self.stock_up(self.carton, 7, self.shelf)
        run = self.import_snapshot(
            self.csv_file(
                [
                    ("EXT-API", "WH-STOCK", "", "", "90", ""),
                    ("EXT-RES", "SHELF-A", "L9", "", "5", ""),
                    ("EXT-PKG", "WH-STOCK", "", "", "7", ""),  # on the wrong shelf there
                ]
            ),
            user=self.recon_manager,
        )
        run.reason = "Quarterly WMS reconciliation"
        to_review = run.line_ids.filtered(lambda line: line.decision == "to_review")
        with self.capture_events() as captured:
            to_review.with_user(self.recon_manager).action_approve()
            self.assertEqual(run.state, "compared")
            run.with_user(self.recon_manager).action_apply()
        self.assertEqual(run.state, "applied")
        self.assertEqual(self.on_hand(self.product, self.stock), 90)
        lot = self.env["stock.lot"].search(
            [("product_id", "=", self.lot_product.id), ("name", "=", "L9")]
        )
        self.assertTrue(lot, "the lot the WMS counted is created")
        self.assertEqual(self.on_hand(self.lot_product, self.shelf, lot), 5)
        self.assertEqual(self.on_hand(self.carton, self.shelf), 0)
        self.assertEqual(self.on_hand(self.carton, self.stock), 7)
        # Every adjustment is a move of the run, with its reason.
        moves = run.move_ids
        self.assertEqual(len(moves), 4)
        self.assertTrue(all(move.is_inventory and move.state == "done" for move in moves))
        self.assertTrue(all(run.name in move.name and "Quarterly" in move.name for move in moves))
        self.assertEqual(
            set(captured.of_type("odoo.stock_sync.movement.v1").move_line_id.move_id.ids),
            set(moves.ids),
        )
        # Re-opened: each line says what it did, and the changes list the move lines.
        applied = run.line_ids.filtered("applied")
        self.assertEqual(len(applied), 4)
        self.assertRecordValues(
            self.line(run, self.product),
            [{"qty_before": 100, "qty_after": 90, "applied": True}],
        )
        self.assertTrue(all(applied.mapped("move_id")))
        action = run.action_open_moves()
        changes = self.env["stock.move.line"].search(action["domain"])
        self.assertEqual(changes.move_id, moves)
        self.assertEqual(run.applied_count, 4)
        self.assertEqual(run.applied_by_id, self.recon_manager)
        # Once only.
        with self.assertRaisesRegex(UserError, "already applied"):
            run.with_user(self.recon_manager).action_apply()
        with self.assertRaisesRegex(UserError, "cannot change"):
            applied[:1].with_user(self.recon_manager).action_reject()
        self.assertEqual(len(run.move_ids), 4)
        self.assertOutboxMatchesStockLedger()

    def test_lines_left_to_review_are_not_applied(self):
        self.stock_up(self.product, 10)
        self.stock_up(self.carton, 10)
        run = self.import_snapshot(
            self.csv_file(
                [("EXT-API", "WH-STOCK", "", "", "8", ""), ("EXT-PKG", "WH-STOCK", "", "", "9", "")]
            )
        )
        self.line(run, self.carton).with_user(self.recon_user).action_approve()
        self.assertEqual(run.state, "to_approve")
        run.with_user(self.recon_user).action_apply()
        self.assertEqual(self.on_hand(self.carton, self.stock), 9)
        self.assertEqual(self.on_hand(self.product, self.stock), 10, "not approved: not applied")
        self.assertFalse(self.line(run, self.product).applied)
        self.assertOutboxMatchesStockLedger()
