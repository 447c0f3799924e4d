"""Push rules of every kind: a manual step added, or "Automatic No Step Added".

stock.rule ``auto`` is ``manual`` (a new move after the done one) or
``transparent`` (core rewrites the destination of the done move and of its
lines, after they are done). ``action`` is ``push`` or ``pull_push``.
"""

from odoo import Command
from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerPushRules(LedgerScenarioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pushed = cls.env["product.product"].create(
            {"name": "Pushed valve", "is_storable": True, "default_code": "VALVE-P"}
        )
        cls.pushed_lot = cls.env["product.product"].create(
            {
                "name": "Pushed resin",
                "is_storable": True,
                "tracking": "lot",
                "default_code": "RES-P",
            }
        )
        # Outside WH/Stock: a rule from WH/Stock must not push it on again.
        cls.cold = cls.env["stock.location"].create(
            {"name": "Cold", "location_id": cls.warehouse.view_location_id.id}
        )
        cls.cold_box = cls.env["stock.location"].create({"name": "Box", "location_id": cls.cold.id})

    def _route(self, *rules):
        """A product route of push rules [(source, destination, auto, action)]."""
        route = self.env["stock.route"].create(
            {
                "name": "Push test route",
                "product_selectable": True,
                "rule_ids": [
                    Command.create(
                        {
                            "name": f"{source.name} → {destination.name}",
                            "action": action,
                            "auto": auto,
                            "location_src_id": source.id,
                            "location_dest_id": destination.id,
                            "picking_type_id": self.warehouse.int_type_id.id,
                            "procure_method": "make_to_stock",
                        }
                    )
                    for source, destination, auto, action in rules
                ],
            }
        )
        (self.pushed | self.pushed_lot).route_ids = [Command.set(route.ids)]
        return route

    def test_no_step_added_is_captured_once_with_its_final_destination(self):
        self._route((self.stock, self.shelf, "transparent", "push"))
        with self.capture_events() as captured:
            picking = self.receive_into([(self.pushed, 5)])
        self.assertEqual(picking.move_line_ids.location_dest_id, self.shelf)
        self.assertEqual(self.on_hand(self.pushed, self.shelf), 5)
        # One receipt into the shelf, no correction of a line nobody knew yet.
        self.assertEqual(captured.events.mapped("operation"), ["receipt"])
        data = captured.events.payload["data"]
        self.assertEqual(data["location_to"]["id"], self.shelf.id)
        self.assertEqual(data["location_to"]["on_hand"], 5.0)
        self.assertOutboxMatchesStockLedger()

    def test_chained_no_step_added_rules_and_putaway(self):
        self._route(
            (self.stock, self.shelf, "transparent", "push"),
            (self.shelf, self.cold, "transparent", "pull_push"),
        )
        self.env["stock.putaway.rule"].create(
            {
                "product_id": self.pushed.id,
                "location_in_id": self.cold.id,
                "location_out_id": self.cold_box.id,
            }
        )
        with self.capture_events() as captured:
            self.receive_into([(self.pushed, 4), (self.product, 2)])
        self.assertEqual(self.on_hand(self.pushed, self.cold_box), 4)
        self.assertEqual(len(captured.events), 2)
        self.assertNotIn("correction", captured.events.mapped("operation"))
        self.assertOutboxMatchesStockLedger()

    def test_no_step_added_with_lots_and_backorder(self):
        self._route((self.stock, self.shelf, "transparent", "push"))
        picking = self.new_picking(
            self.warehouse.in_type_id, [(self.pushed_lot, 10)], self.supplier_loc, self.stock
        )
        self.validate(picking, lots={self.pushed_lot: [("P1", 4), ("P2", 2)]}, backorder=True)
        backorder = picking.backorder_ids
        self.validate(backorder, lots={self.pushed_lot: [("P3", 4)]})
        self.assertEqual(self.on_hand(self.pushed_lot, self.shelf), 10)
        self.assertOutboxMatchesStockLedger()

    def test_done_line_of_a_pushed_receipt_corrected_later(self):
        self._route((self.stock, self.shelf, "transparent", "push"))
        picking = self.receive_into([(self.pushed, 5)])
        line = picking.move_line_ids.with_user(self.stock_manager)
        with self.capture_events() as captured:
            line.location_dest_id = self.cold
        self.assertEqual(captured.events.operation, "correction")
        self.assertOutboxMatchesStockLedger()

    def test_manual_push_adds_a_step(self):
        self._route((self.stock, self.shelf, "manual", "push"))
        self.receive_into([(self.pushed, 6)])
        step = self.env["stock.move"].search(
            [("product_id", "=", self.pushed.id), ("location_dest_id", "=", self.shelf.id)]
        )
        self.assertEqual(step.state, "assigned")
        self.validate(step.picking_id, quantities={self.pushed: 4}, backorder=False)
        self.assertEqual(self.on_hand(self.pushed, self.shelf), 4)
        self.assertOutboxMatchesStockLedger()

    def test_manual_then_no_step_added(self):
        self._route(
            (self.stock, self.shelf, "manual", "pull_push"),
            (self.shelf, self.cold, "transparent", "push"),
        )
        self.receive_into([(self.pushed, 3)])
        step = self.env["stock.move"].search(
            [("product_id", "=", self.pushed.id), ("location_id", "=", self.stock.id)]
        )
        self.validate(step.picking_id)
        self.assertEqual(self.on_hand(self.pushed, self.cold), 3)
        self.assertOutboxMatchesStockLedger()
