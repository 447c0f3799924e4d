"""Expected receipts: what incoming transfers expect, per product, as events before commit."""

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.stock_sync.tests.common import StockSyncCase

EXPECTED = "odoo.stock_sync.expected_receipt.v1"


@tagged("post_install", "-at_install")
class TestExpectedReceipt(StockSyncCase):
    def commit(self):
        """What a commit does before it commits: flush, then the precommit hooks."""
        self.env.cr.flush()

    def expected(self, block):
        """The expected-receipt events written by ``block`` up to the (simulated) commit."""
        with self.capture_events() as captured:
            result = block()
            self.commit()
        return result, captured.of_type(EXPECTED)

    def incoming(self, lines, user=None):
        picking = self._picking(self.warehouse.in_type_id, lines, self.supplier_loc, self.stock)
        return picking.with_user(user or self.operator)

    def test_confirmed_receipt_sends_one_event_per_product(self):
        picking = self.incoming([(self.product, 5), (self.carton, 2), (self.product, 1)])
        _none, drafts = self.expected(lambda: picking.write({"origin": "PO0042"}))
        self.assertFalse(drafts, "a draft receipt is not expected yet")
        _r, events = self.expected(picking.action_confirm)
        self.assertEqual(events.mapped("product_id"), self.product | self.carton)
        by_product = {e.product_id: e.payload["data"] for e in events}
        data = by_product[self.product]
        self.assertEqual(
            {k: data[k] for k in ("action", "quantity", "previous_quantity", "uom")},
            {"action": "confirmed", "quantity": 6.0, "previous_quantity": None, "uom": "Units"},
            "two lines of one product are one expected quantity",
        )
        self.assertEqual(data["picking"]["name"], picking.name)
        self.assertEqual(data["picking"]["origin"], "PO0042")
        self.assertEqual(data["location_to"]["id"], self.stock.id)
        self.assertEqual(data["warehouse"]["code"], self.warehouse.code)
        self.assertEqual(by_product[self.carton]["quantity"], 2.0)
        self.assertEqual(set(events.mapped("operation")), {"expected_receipt"})
        self.assertEqual(set(events.mapped("reference")), {picking.name})
        self.assertEqual(events.delivery_ids.endpoint_id, self.endpoint, "to the subscribers")

    def test_changes_send_only_what_changed(self):
        picking = self.incoming([(self.product, 5), (self.carton, 2)])
        self.expected(picking.action_confirm)
        carton_move = picking.move_ids.filtered(lambda m: m.product_id == self.carton)
        _r, events = self.expected(lambda: carton_move.write({"product_uom_qty": 7}))
        self.assertEqual(len(events), 1)
        self.assertEqual(events.product_id, self.carton)
        self.assertEqual(
            {k: events.payload["data"][k] for k in ("action", "quantity", "previous_quantity")},
            {"action": "changed", "quantity": 7.0, "previous_quantity": 2.0},
        )

        # Several edits in one transaction: one event, the final state.
        def edits():
            carton_move.product_uom_qty = 8
            carton_move.product_uom_qty = 9

        _r, events = self.expected(edits)
        self.assertEqual([e.payload["data"]["quantity"] for e in events], [9.0])
        later = fields.Datetime.add(picking.scheduled_date, days=3)
        _r, events = self.expected(lambda: picking.write({"scheduled_date": later}))
        self.assertEqual(len(events), 2, "a new date changes both lines")
        self.assertEqual(set(events.mapped(lambda e: e.payload["data"]["action"])), {"changed"})
        _r, events = self.expected(lambda: picking.write({"note": "Dock 3"}))
        self.assertFalse(events, "nothing the WMS expects changed")
        _r, events = self.expected(
            lambda: picking.write(
                {
                    "move_ids": [
                        Command.create(
                            {
                                "name": "more",
                                "product_id": self.lot_product.id,
                                "product_uom_qty": 4,
                                "product_uom": self.lot_product.uom_id.id,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": self.stock.id,
                                "additional": True,  # as the form adds it to a confirmed receipt
                            }
                        )
                    ]
                }
            )
        )
        added = events.filtered(lambda e: e.product_id == self.lot_product)
        self.assertEqual(added.payload["data"]["action"], "confirmed")
        self.assertEqual(added.payload["data"]["quantity"], 4.0)
        # Odoo gives the other moves the new line's date when the picking's date moves.
        self.assertEqual({e.payload["data"]["action"] for e in events - added} - {"changed"}, set())

    def test_cancelled_line_and_receipt(self):
        picking = self.incoming([(self.product, 5), (self.carton, 2)])
        self.expected(picking.action_confirm)
        carton_move = picking.move_ids.filtered(lambda m: m.product_id == self.carton)
        _r, events = self.expected(carton_move._action_cancel)
        self.assertEqual(
            [
                (e.product_id, e.payload["data"]["action"], e.payload["data"]["quantity"])
                for e in events
            ],
            [(self.carton, "cancelled", 0.0)],
        )
        _r, events = self.expected(picking.action_cancel)
        self.assertEqual(
            [
                (e.product_id, e.payload["data"]["action"], e.payload["data"]["previous_quantity"])
                for e in events
            ],
            [(self.product, "cancelled", 5.0)],
        )
        _r, events = self.expected(lambda: picking.write({"origin": "again"}))
        self.assertFalse(events)

    def test_done_receipt_closes_and_backorder_is_expected(self):
        picking = self.incoming([(self.product, 5)])
        self.expected(picking.action_confirm)

        def receive_part():
            picking.move_ids.quantity = 3
            picking.move_ids.picked = True
            picking.with_context(skip_backorder=False).button_validate()
            # Odoo asks; the operator creates the backorder.
            wizard = (
                self.env["stock.backorder.confirmation"]
                .with_context(button_validate_picking_ids=picking.ids)
                .create({"pick_ids": [Command.set(picking.ids)]})
            )
            wizard.with_user(self.operator).process()

        _r, events = self.expected(receive_part)
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertTrue(backorder)
        actions = {
            (e.reference, e.payload["data"]["action"], e.payload["data"]["quantity"])
            for e in events
        }
        self.assertEqual(
            actions, {(picking.name, "closed", 0.0), (backorder.name, "confirmed", 2.0)}
        )
        self.assertOutboxMatchesStockLedger(products=self.product)

    def test_deliveries_and_paused_capture_send_nothing(self):
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock, 10)
        out = self._picking(
            self.warehouse.out_type_id, [(self.product, 1)], self.stock, self.customer_loc
        )
        _r, events = self.expected(out.with_user(self.operator).action_confirm)
        self.assertFalse(events, "only incoming transfers are expected receipts")
        self.env["ir.config_parameter"].sudo().set_param("stock_sync.capture_paused", "True")
        picking = self.incoming([(self.product, 5)])
        _r, events = self.expected(picking.action_confirm)
        self.assertFalse(events)
