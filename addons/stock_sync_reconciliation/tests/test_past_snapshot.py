"""A snapshot of an hour ago: Odoo's stock then comes from the move history, not today's quants."""

from odoo import fields
from odoo.tests import tagged

from .common import HOUR, ReconciliationCase


@tagged("post_install", "-at_install")
class TestPastSnapshot(ReconciliationCase):
    def setUp(self):
        super().setUp()
        receipt = self.stock_up(self.product, 10)
        self.backdate(receipt, 2 * HOUR)
        self.deliver([(self.product, 4)])  # after T
        self.as_of = fields.Datetime.now() - HOUR

    def snapshot(self, quantity):
        return self.import_snapshot(
            self.csv_file([("API-001", "", "", "", quantity, "")]),
            backend_id=False,
            full_snapshot=False,
            as_of=self.as_of,
        )

    def test_stock_at_t_from_ledger(self):
        self.assertEqual(self.on_hand(self.product, self.stock), 6)
        run = self.snapshot("10")
        self.assertTrue(run.stock_from_ledger)
        self.assertFalse(run.line_ids, "10 were there at T; the 4 delivered later do not count")

    def test_correction_is_a_delta_on_todays_stock(self):
        run = self.snapshot("9")
        line = self.line(run, self.product)
        self.assertRecordValues(
            line,
            [{"qty_odoo": 10, "qty_external": 9, "correction_qty": -1, "diff_class": "quantity"}],
        )
        line.with_user(self.recon_manager).action_approve()
        run.with_user(self.recon_manager).action_apply()
        # The delivery after T is kept: 6 - 1.
        self.assertEqual(self.on_hand(self.product, self.stock), 5)
        self.assertRecordValues(line, [{"applied": True, "qty_before": 6, "qty_after": 5}])
        self.assertOutboxMatchesStockLedger()
