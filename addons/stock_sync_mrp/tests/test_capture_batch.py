"""An order or an unbuild is captured once: one on-hand query, one insert."""

from unittest.mock import patch

from odoo.tests import tagged

from .scenario_common import MrpLedgerCase


@tagged("post_install", "-at_install")
class TestCaptureBatch(MrpLedgerCase):
    def count_captures(self):
        """Patch the capture of move lines: the list of line ids of each call."""
        Event = type(self.env["stock.sync.event"])
        calls = []
        original = Event._capture_move_lines

        def spy(model, move_lines, corrected=None):
            calls.append(move_lines.ids)
            return original(model, move_lines, corrected=corrected)

        return calls, patch.object(Event, "_capture_move_lines", spy)

    def test_order_components_and_products_in_one_capture(self):
        self.stock_components()
        production = self.new_production(2)
        calls, spy = self.count_captures()
        with spy, self.capture_events() as captured:
            self.produce(production)
        self.assertEqual(len(calls), 1, "one capture for the whole order")
        done_lines = (production.move_raw_ids | production.move_finished_ids).move_line_ids
        self.assertEqual(sorted(calls[0]), sorted(done_lines.ids))
        roles = [event.payload["data"]["manufacturing"]["role"] for event in captured]
        # Components first (done first), then the finished product and the by-product.
        self.assertEqual(roles[:2], ["component", "component"])
        self.assertEqual(sorted(roles[2:]), ["byproduct", "finished"])
        by_product = {event.product_id: event.payload["data"] for event in captured}
        # On-hand figures once the whole order is done.
        self.assertEqual(by_product[self.product]["location_from"]["on_hand"], 96.0)
        self.assertEqual(by_product[self.tablet]["location_to"]["on_hand"], 2.0)
        self.assertOutboxMatchesStockLedger()

    def test_unbuild_in_one_capture(self):
        self.stock_components()
        production = self.produce(self.new_production(2))
        calls, spy = self.count_captures()
        with spy:
            unbuild = (
                self.env["mrp.unbuild"]
                .with_user(self.mrp_user)
                .create(
                    {
                        "mo_id": production.id,
                        "product_qty": 2,
                        "bom_id": self.bom.id,
                        "product_id": self.tablet.id,
                    }
                )
            )
            unbuild.action_unbuild()
        self.assertEqual(len(calls), 1, "one capture for the whole unbuild")
        moves = unbuild.produce_line_ids | unbuild.consume_line_ids
        self.assertEqual(sorted(calls[0]), sorted(moves.move_line_ids.ids))
        self.assertOutboxMatchesStockLedger()

    def test_failed_order_captures_nothing(self):
        self.stock_components()
        production = self.new_production(1)
        Production = type(self.env["mrp.production"])
        original = Production._cal_price

        def fail_after_the_components(records, consumed_moves):
            original(records, consumed_moves)
            raise ValueError("costing failed")

        # _cal_price runs once the components are done, before the products are.
        calls, spy = self.count_captures()
        with spy, patch.object(Production, "_cal_price", fail_after_the_components):
            with self.assertRaises(ValueError), self.env.cr.savepoint():
                self.produce(production)
        self.assertEqual(calls, [], "the batch captures nothing when the order fails")
        self.env.invalidate_all()
        self.assertNotEqual(production.state, "done")
        self.assertOutboxMatchesStockLedger()
