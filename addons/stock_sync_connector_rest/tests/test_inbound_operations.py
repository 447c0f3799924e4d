"""Inbound events applied as Odoo stock operations, idempotently, never below zero."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestInboundOperations(WmsCase):
    def test_a_receipt_confirmation_validates_the_receipt_with_a_backorder(self):
        picking = self.make_receipt(10)
        event = self.sim.confirm_receipt(picking.name, [("EXT-API", 6)])
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 6)
        self.assertEqual(picking.backorder_ids.move_ids.product_uom_qty, 4)
        self.assertEqual(record.picking_ids, picking | picking.backorder_ids)
        self.assertEqual(self.on_hand(self.product, self.stock), 6)
        # Confirming it again (another event id) is refused: it is done.
        again = self.sim.confirm_receipt(picking.name, [("EXT-API", 6)])
        self.push_and_apply(again)
        self.assertRecordValues(self.inbound(again["id"]), [{"state": "rejected"}])
        self.assertIn("already done", self.inbound(again["id"]).error)
        self.assertEqual(self.on_hand(self.product, self.stock), 6)
        self.assertOutboxMatchesStockLedger()

    def test_a_confirmation_of_an_unknown_transfer_or_product_is_rejected(self):
        picking = self.make_receipt(5)
        unknown = self.sim.confirm_receipt("WH/IN/NOPE", [("EXT-API", 1)])
        foreign = self.sim.confirm_receipt(picking.name, [("EXT-RES", 1)])
        self.push_and_apply(unknown, foreign)
        self.assertIn("No transfer WH/IN/NOPE", self.inbound(unknown["id"]).error)
        self.assertIn("has no line for", self.inbound(foreign["id"]).error)
        self.assertEqual(picking.state, "assigned")

    def test_a_pick_confirmation_validates_the_delivery(self):
        self.receive([(self.product, 8)])
        delivery = self._picking(
            self.warehouse.out_type_id, [(self.product, 5)], self.stock, self.customer_loc
        )
        delivery.with_user(self.operator).action_confirm()
        event = self.sim.confirm_pick(delivery.name, [("EXT-API", 5)])
        self.push_and_apply(event)
        self.assertEqual(self.inbound(event["id"]).state, "done", self.inbound(event["id"]).error)
        self.assertEqual(delivery.state, "done")
        self.assertEqual(self.on_hand(self.product, self.stock), 3)
        self.assertOutboxMatchesStockLedger()

    def test_a_transfer_moves_stock_between_mapped_locations(self):
        self.receive([(self.product, 8)])
        event = self.sim.transfer("EXT-API", "WH-STOCK", "SHELF-A", 5)
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.on_hand(self.product, self.shelf), 5)
        self.assertEqual(self.on_hand(self.product, self.stock), 8, "the shelf is inside WH/Stock")
        self.assertRecordValues(
            record.move_ids, [{"location_id": self.stock.id, "location_dest_id": self.shelf.id}]
        )
        self.assertOutboxMatchesStockLedger()

    def test_an_event_driving_stock_negative_is_held_with_an_activity(self):
        self.receive([(self.product, 2)])
        event = self.sim.adjust("EXT-API", "WH-STOCK", -5)
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        self.assertEqual(record.state, "held_negative")
        self.assertIn("would leave -3", record.error)
        self.assertEqual(self.on_hand(self.product, self.stock), 2, "nothing applied")
        self.assertRecordValues(
            record.activity_ids,
            [{"user_id": self.stock_manager.id, "summary": "Inbound event held: negative stock"}],
        )
        # After investigation: the missing stock arrives, and a sync user retries.
        self.receive([(self.product, 3)])
        record.with_user(self.sync_user).action_retry()
        self.apply()
        self.assertEqual(record.state, "done")
        self.assertFalse(record.activity_ids)
        self.assertEqual(self.on_hand(self.product, self.stock), 0)
        self.assertOutboxMatchesStockLedger()

    def test_a_transfer_of_missing_stock_is_held(self):
        event = self.sim.transfer("EXT-API", "WH-STOCK", "SHELF-A", 1)
        self.push_and_apply(event)
        self.assertEqual(self.inbound(event["id"]).state, "held_negative")
        self.assertOutboxMatchesStockLedger()

    def test_an_older_count_arriving_after_a_newer_one_is_rejected(self):
        older = self.sim.count("EXT-API", "WH-STOCK", 4, time_=self.iso(120))
        newer = self.sim.count("EXT-API", "WH-STOCK", 9, time_=self.iso(60))
        status, answer = self.push_and_apply(older, newer, reverse=True)
        self.assertEqual(answer["accepted"], 2)
        self.assertEqual(self.inbound(newer["id"]).state, "done")
        self.assertEqual(self.inbound(older["id"]).state, "rejected")
        self.assertIn("Out of order", self.inbound(older["id"]).error)
        self.assertEqual(self.on_hand(self.product, self.stock), 9)
        self.assertOutboxMatchesStockLedger()

    def test_a_lot_count_sets_the_lot_level(self):
        self.push_and_apply(self.sim.count("EXT-RES", "WH-STOCK", 6, lot="L-42"))
        lot = self.env["stock.lot"].search([("product_id", "=", self.lot_product.id)])
        self.assertEqual(lot.name, "L-42")
        self.assertEqual(self.on_hand(self.lot_product, self.stock), 6)
        missing = self.sim.count("EXT-RES", "WH-STOCK", 6)
        self.push_and_apply(missing)
        self.assertIn("must name one", self.inbound(missing["id"]).error)
        self.assertOutboxMatchesStockLedger()

    def test_a_status_change_is_never_applied_without_a_status_mapping(self):
        event = self.sim.status_change("EXT-API", "WH-STOCK", 1, "damaged")
        self.push_and_apply(event)
        record = self.inbound(event["id"])
        if "stock.sync.xref.status" in self.env:
            # The quality-hold glue is installed (it installs itself with the quality
            # hold): the status waits for its mapping (tested there).
            self.assertEqual(record.missing_mapping, "external status 'damaged'")
        else:
            self.assertEqual(record.state, "rejected")
            self.assertIn("status damaged", record.error)
        self.assertEqual(self.on_hand(self.product, self.stock), 0)

    def test_system_of_record_refuses_or_flags_odoo_side_moves(self):
        self.backend.write({"sor_location_ids": [(6, 0, self.shelf.ids)], "sor_policy": "refuse"})
        picking = self._picking(
            self.warehouse.in_type_id, [(self.product, 2)], self.supplier_loc, self.shelf
        ).with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "owned by Test WMS"):
            picking.button_validate()
        # The owner's own events pass.
        self.receive([(self.product, 3)])
        event = self.sim.transfer("EXT-API", "WH-STOCK", "SHELF-A", 3)
        self.push_and_apply(event)
        self.assertEqual(self.inbound(event["id"]).state, "done", self.inbound(event["id"]).error)
        # Flag: validated, with a note on the transfer.
        self.backend.sor_policy = "flag"
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertTrue(any("owned by Test WMS" in str(m.body) for m in picking.message_ids))
        self.assertOutboxMatchesStockLedger()

    def test_a_masonhub_receiving_complete_callback_confirms_the_receipt(self):
        """A 3PL callback in its own shape (MasonHub's): a shortage leaves a backorder."""
        picking = self.make_receipt(100)
        body = {
            "message_type": "inboundShipmentEvent",
            "message_id": "0a1b2c3d-0000-4000-8000-000000000001",
            "data": [
                {
                    "id": "shipment-1",
                    "customer_identifier": picking.name,
                    "status": "receivingComplete",
                    "as_of": self.iso(10),
                    "details": {
                        "line_items": [
                            {
                                "customer_sku_id": "EXT-API",
                                "quantity": 100,
                                "total_quantity_received": 90,
                            }
                        ]
                    },
                }
            ],
        }
        status, answer = self.sim.push([], body=json.dumps(body).encode())
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["results"][0]["id"], f"{body['message_id']}:shipment-1")
        self.apply()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 90)
        self.assertEqual(picking.backorder_ids.move_ids.product_uom_qty, 10)
        self.assertOutboxMatchesStockLedger()
