"""A snapshot taken while events are still on their way to the system: explained, not corrected twice."""

from odoo.tests import tagged

from .common import ReconciliationCase


@tagged("post_install", "-at_install")
class TestInFlight(ReconciliationCase):
    def setUp(self):
        super().setUp()
        self.backend_endpoint.active = True

    def test_receipt_not_yet_acknowledged_is_explained(self):
        with self.capture_events() as captured:
            self.stock_up(self.product, 5)
        delivery = captured.events.delivery_ids.filtered(
            lambda d: d.endpoint_id == self.backend_endpoint
        )
        self.assertEqual(delivery.state, "pending", "the WMS has not acknowledged the receipt")
        # The WMS's snapshot does not have the 5 yet.
        run = self.import_snapshot(self.csv_file([("EXT-PKG", "WH-STOCK", "", "", "0", "")]))
        line = self.line(run, self.product)
        self.assertRecordValues(
            line,
            [
                {
                    "diff_class": "in_flight",
                    "qty_odoo": 5,
                    "qty_external": 0,
                    "qty_in_flight": 5,
                    "correction_qty": 0,
                    "decision": "explained",
                }
            ],
        )
        self.assertIn("not yet acknowledged", line.hint)
        self.assertEqual(run.count_in_flight, 1)
        self.assertEqual(run.accuracy, 100.0, "explained differences count as accurate")
        # Nothing to apply for it, even approved by a manager: it would be corrected twice.
        with self.assertRaisesRegex(Exception, "need no decision"):
            line.with_user(self.recon_manager).action_approve()
        run.with_user(self.recon_manager).action_apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 5)
        self.assertOutboxMatchesStockLedger()

    def test_partly_in_flight_is_corrected_by_what_is_left(self):
        self.stock_up(self.product, 5)
        # The WMS counts 3: it had 3 before the 5 Odoo received and has not told it yet.
        run = self.import_snapshot(self.csv_file([("EXT-API", "WH-STOCK", "", "", "3", "")]))
        line = self.line(run, self.product)
        self.assertRecordValues(
            line,
            [
                {
                    "diff_class": "quantity",
                    "qty_odoo": 5,
                    "qty_external": 3,
                    "qty_in_flight": 5,
                    "correction_qty": 3,
                }
            ],
        )
        self.assertIn("in flight", line.hint)
        line.with_user(self.recon_manager).action_approve()
        run.with_user(self.recon_manager).action_apply()
        # 3 there + the 5 on their way = 8, once the WMS gets the receipt.
        self.assertEqual(self.on_hand(self.product, self.stock), 8)
        self.assertOutboxMatchesStockLedger()

    def test_without_backend_nothing_is_in_flight(self):
        self.stock_up(self.product, 5)
        run = self.import_snapshot(
            self.csv_file([("API-001", "", "", "", "0", "")]), backend_id=False, full_snapshot=False
        )
        self.assertEqual(self.line(run, self.product).diff_class, "missing_external")
