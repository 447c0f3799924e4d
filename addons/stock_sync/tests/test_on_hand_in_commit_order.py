"""The on-hand figures of movement events are given in the order events are numbered.

The stock transaction writes ``on_hand: null``; the dispatcher fills it in as it
numbers the events (``stock.sync.on.hand``), whether it takes them all in one
step or a backlog in several.
"""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestOnHandInCommitOrder(LedgerScenarioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Outside WH/Stock: a delivery from stock cannot take from it.
        cls.dock = cls.env["stock.location"].create(
            {"name": "Dock", "location_id": cls.warehouse.view_location_id.id}
        )

    def _scenario(self, product):
        """Receipts of 5 and 3, 4 moved to the dock, the first receipt corrected
        to 7, then 2 delivered; the events as written, in that order."""
        first = self.receive_into([(product, 5)])
        self.receive_into([(product, 3)])
        self.internal([(product, 4)], self.stock, self.dock)
        self.unlock(first).move_line_ids.with_user(self.stock_manager).quantity = 7
        self.deliver([(product, 2)], user=self.operator)
        return self.env["stock.sync.event"].search(
            [("product_id", "=", product.id), ("type", "=", "odoo.stock_sync.movement.v1")],
            order="id",
        )

    def _figures(self, events):
        events.invalidate_recordset()
        return [
            (
                event.operation,
                event.payload["data"]["location_from"]["on_hand"],
                event.payload["data"]["location_to"]["on_hand"],
            )
            for event in events
        ]

    # (operation, on hand at the source, on hand at the destination) after each event
    EXPECTED = [
        ("receipt", None, 5.0),
        ("receipt", None, 8.0),
        ("transfer", 4.0, 4.0),
        ("correction", None, 6.0),
        ("issue", 4.0, None),
    ]

    def test_the_transaction_writes_no_figure(self):
        events = self._scenario(self.product)
        self.assertEqual(
            [(op, None, None) for op, _from, _to in self.EXPECTED], self._figures(events)
        )

    def test_one_step_gives_the_running_figures(self):
        events = self._scenario(self.product)
        self.number_events()
        self.assertEqual(self._figures(events), self.EXPECTED)
        self.assertEqual(self.on_hand(self.product, self.stock), 4.0)
        self.assertOutboxMatchesStockLedger()

    def test_a_backlog_numbered_one_event_a_step_gives_the_same_figures(self):
        self.number_events()  # whatever earlier set-ups left listed
        events = self._scenario(self.carton)
        Sequence = self.env["stock.sync.sequence"].sudo()
        self.env.flush_all()
        for _event in events[:-1]:
            self.assertEqual(Sequence._number_new_events(limit=1), 1)
        # Each step left the figures it reached for the next one.
        kept = self.env["stock.sync.on.hand"].sudo().search([("product_id", "=", self.carton.id)])
        self.assertEqual(
            {(row.location_id, row.quantity) for row in kept},
            {(self.stock.id, 6.0), (self.dock.id, 4.0)},
        )
        # The last step takes the last listed event: nothing is kept after it.
        self.assertEqual(Sequence._number_new_events(limit=1), 1)
        self.assertFalse(self.env["stock.sync.on.hand"].sudo().search([]))
        self.assertEqual(self._figures(events), self.EXPECTED)
        # A step that takes every listed event reads the quants afresh and
        # leaves nothing behind.
        self.receive_into([(self.carton, 1)])
        self.number_events()
        receipt = self.env["stock.sync.event"].search([("product_id", "=", self.carton.id)])[0]
        self.assertEqual(receipt.payload["data"]["location_to"]["on_hand"], 5.0)
        self.assertFalse(self.env["stock.sync.on.hand"].sudo().search([]))
        self.assertOutboxMatchesStockLedger()

    def test_figures_follow_the_quants_when_stock_moved_unannounced(self):
        # Capture paused: the receipt moves stock without an event. The next
        # event's figure is Odoo's on-hand, not a running total of the events.
        self.env["ir.config_parameter"].set_param("stock_sync.capture_paused", "True")
        self.receive_into([(self.product, 10)])
        self.env["ir.config_parameter"].set_param("stock_sync.capture_paused", "False")
        picking = self.receive_into([(self.product, 1)])
        events = self.events_of(picking)
        self.assertEqual(events.payload["data"]["location_to"]["on_hand"], 11.0)

    def test_a_correction_that_empties_a_location_moves_its_kept_figure(self):
        # Numbered one event a step: the correction's figure is for its new
        # destination, but the dock it took the 5 away from must be followed
        # too, or the next step goes on from a dock of 5.
        self.number_events()
        first = self.receive_into([(self.carton, 5)], destination=self.dock)
        self.receive_into([(self.carton, 3)])
        self.unlock(first).move_line_ids.with_user(self.stock_manager).location_dest_id = self.stock
        self.internal([(self.carton, 2)], self.stock, self.dock)
        events = self.env["stock.sync.event"].search(
            [("product_id", "=", self.carton.id)], order="id"
        )
        Sequence = self.env["stock.sync.sequence"].sudo()
        self.env.flush_all()
        while Sequence._number_new_events(limit=1):
            pass
        self.assertEqual(
            self._figures(events),
            [
                ("receipt", None, 5.0),
                ("receipt", None, 3.0),
                ("correction", None, 8.0),
                ("transfer", 6.0, 2.0),
            ],
        )
        self.assertEqual(self.on_hand(self.carton, self.dock), 2.0)
        self.assertOutboxMatchesStockLedger()

    def test_a_product_whose_inventory_is_not_tracked_stays_at_zero(self):
        # No quants, whatever moves: its figure is Odoo's on-hand, 0, not a
        # sum of what the events moved from a base of 0.
        consumable = self.env["product.product"].create({"name": "Gloves", "is_storable": False})
        first = self.receive_into([(consumable, 10)])
        second = self.receive_into([(consumable, 4)])
        events = self.events_of(first | second)
        self.assertEqual(len(events), 2)
        self.assertEqual([e.payload["data"]["location_to"]["on_hand"] for e in events], [0.0, 0.0])
