import json
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestCapture(StockSyncCase):
    def test_receipt_writes_one_event_per_move_line(self):
        picking = self.receive([(self.product, 5), (self.carton, 12)])
        events = self.events_of(picking)
        self.assertEqual(len(events), 2)
        by_product = {e.product_id: e for e in events}
        event = by_product[self.product]
        payload = event.payload
        self.assertEventMatchesSchema(event)
        self.assertEqual(payload["type"], "odoo.stock_sync.movement.v1")
        self.assertEqual(payload["id"], event.event_uuid)
        self.assertEqual(payload["source"], f"/odoo/{self.env.cr.dbname}/company/{self.company.id}")
        self.assertEqual(
            payload["partitionkey"], f"product:{self.product.id}@company:{self.company.id}"
        )
        self.assertEqual(payload["criticality"], "critical")
        data = payload["data"]
        self.assertEqual(data["operation"], "receipt")
        self.assertEqual(data["reference"], picking.name)
        self.assertEqual(data["product"]["default_code"], "API-001")
        self.assertEqual(data["product"]["barcode"], "4006381333931")
        self.assertEqual(data["quantity"], 5.0)
        self.assertEqual(data["location_from"]["usage"], "supplier")
        self.assertIsNone(data["location_from"]["on_hand"], "no on-hand for a virtual location")
        self.assertEqual(data["location_to"]["id"], self.stock.id)
        self.assertEqual(data["location_to"]["warehouse"]["code"], self.warehouse.code)
        self.assertEqual(data["location_to"]["on_hand"], 5.0)
        self.assertEqual(data["company"]["id"], self.company.id)
        self.assertEqual(by_product[self.carton].criticality, "bulk")
        # One pending delivery per event for the endpoint that takes everything.
        self.assertEqual(events.delivery_ids.endpoint_id, self.endpoint)
        self.assertEqual(set(events.delivery_ids.mapped("state")), {"pending"})
        self.assertOutboxMatchesStockLedger()

    def test_units_of_measure_in_product_and_move_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        picking = self._picking(
            self.warehouse.in_type_id, [(self.product, 2)], self.supplier_loc, self.stock
        )
        picking.move_ids.product_uom = dozen
        picking = picking.with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        data = self.events_of(picking).payload["data"]
        self.assertEqual((data["move_quantity"], data["move_uom"]), (2.0, dozen.name))
        self.assertEqual((data["quantity"], data["uom"]), (24.0, self.product.uom_id.name))
        self.assertOutboxMatchesStockLedger()

    def test_each_lot_is_its_own_event(self):
        picking = self.receive([(self.lot_product, 10)], lot_names=["L-001", "L-002"])
        events = self.events_of(picking)
        self.assertEqual(
            sorted(e.payload["data"]["lot"]["name"] for e in events), ["L-001", "L-002"]
        )
        self.assertEqual([e.payload["data"]["quantity"] for e in events], [5.0, 5.0])
        self.assertOutboxMatchesStockLedger()

    def test_issue_return_and_internal_transfer(self):
        self.receive([(self.product, 10)])
        out = self.deliver([(self.product, 3)])
        issue = self.events_of(out)
        self.assertEqual(issue.operation, "issue")
        self.assertEqual(issue.payload["data"]["location_from"]["on_hand"], 7.0)
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.operator)
            .with_context(active_id=out.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 1
        returned = wizard._create_return()
        returned.move_ids.quantity = 1
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(self.events_of(returned).operation, "return")
        internal = self._picking(
            self.warehouse.int_type_id, [(self.product, 2)], self.stock, self.shelf
        )
        internal = internal.with_user(self.operator)
        internal.action_confirm()
        internal.action_assign()
        internal.move_ids.quantity = 2
        internal.move_ids.picked = True
        internal.button_validate()
        move = self.events_of(internal)
        self.assertEqual(move.operation, "transfer")
        self.assertEqual(move.payload["data"]["location_to"]["on_hand"], 2.0)
        self.assertEqual(move.payload["data"]["location_from"]["on_hand"], 6.0)
        self.assertOutboxMatchesStockLedger()

    def test_inventory_adjustment_and_scrap(self):
        quant = (
            self.env["stock.quant"]
            .with_user(self.stock_manager)
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.product.id,
                    "location_id": self.stock.id,
                    "inventory_quantity": 40,
                }
            )
        )
        quant.action_apply_inventory()
        self.number_events()  # the on-hand figures are given as events are numbered
        adjustment = self.env["stock.sync.event"].search([("product_id", "=", self.product.id)])
        self.assertEqual(adjustment.operation, "adjustment")
        self.assertEqual(adjustment.payload["data"]["quantity"], 40.0)
        self.assertEqual(adjustment.payload["data"]["location_to"]["on_hand"], 40.0)
        scrap = (
            self.env["stock.scrap"]
            .with_user(self.operator)
            .create(
                {
                    "product_id": self.product.id,
                    "scrap_qty": 4,
                    "location_id": self.stock.id,
                }
            )
        )
        scrap.action_validate()
        self.number_events()
        scrapped = self.env["stock.sync.event"].search(
            [("product_id", "=", self.product.id)], limit=1
        )
        self.assertEqual(scrapped.operation, "scrap")
        self.assertEqual(scrapped.payload["data"]["location_from"]["on_hand"], 36.0)
        self.assertEqual(scrapped.sequence, adjustment.sequence + 1)
        self.assertOutboxMatchesStockLedger()

    def test_editing_a_done_line_emits_a_correction(self):
        picking = self.receive([(self.product, 5)])
        receipt = self.events_of(picking)
        line = picking.move_line_ids
        line.with_user(self.stock_manager).quantity = 4
        events = self.events_of(picking)
        self.assertEqual(len(events), 2)
        correction = events - receipt
        self.assertEventMatchesSchema(correction)
        data = correction.payload["data"]
        self.assertEqual(data["operation"], "correction")
        self.assertEqual(data["correction"]["of_operation"], "receipt")
        self.assertEqual(data["correction"]["previous"]["quantity"], 5.0)
        self.assertEqual(data["quantity"], 4.0)
        self.assertEqual(data["location_to"]["on_hand"], 4.0)
        self.number_events()
        self.assertEqual(correction.sequence, receipt.sequence + 1)
        self.assertEqual(self.product.qty_available, 4)
        line.with_user(self.stock_manager).quantity = 4  # no change, no event
        self.assertEqual(len(self.events_of(picking)), 2)
        self.assertOutboxMatchesStockLedger()

    def test_sequence_is_gap_free_and_monotonic_per_key(self):
        for qty in (1, 2, 3):
            self.receive([(self.product, qty), (self.carton, qty)])
        # Written without a number: no stock transaction waits on a counter.
        self.env.flush_all()
        written = self.env["stock.sync.event"].search(
            [("product_id", "in", (self.product | self.carton).ids)]
        )
        self.assertEqual(len(written), 6)
        self.assertFalse(any(written.mapped("sequence")))
        self.number_events()
        events = self.env["stock.sync.event"].search(
            [("product_id", "=", self.product.id)], order="id"
        )
        first = events[0].sequence
        self.assertEqual(events.mapped("sequence"), [first, first + 1, first + 2])
        # Receivers get it as the CloudEvents sequence extension, 20 digits.
        sent = self.env["stock.sync.delivery"]._claimed(events.delivery_ids.ids)
        self.assertEqual(
            [json.loads(payload)["sequence"] for _id, _uuid, payload, *_rest in sent],
            [f"{n:020d}" for n in (first, first + 1, first + 2)],
        )
        carton_events = self.env["stock.sync.event"].search(
            [("product_id", "=", self.carton.id)], order="id"
        )
        self.assertEqual(len(set(carton_events.mapped("partition_key"))), 1)
        self.assertNotEqual(carton_events[0].partition_key, events[0].partition_key)
        self.assertOutboxMatchesStockLedger()

    def test_an_event_numbered_by_an_earlier_version_is_sent_as_stored(self):
        # Numbering wrote the sequence into the payload before 0c49002: such
        # an event is sent as it is, with its sequence once.
        event = self.events_of(self.receive([(self.product, 2)]))
        self.number_events()
        self.env.cr.execute(
            "UPDATE stock_sync_event SET payload = jsonb_set(payload, '{sequence}',"
            " to_jsonb(lpad(sequence::text, 20, '0'))) WHERE id = %s",
            (event.id,),
        )
        event.invalidate_recordset(["payload"])
        ((_id, _uuid, text, *_rest),) = self.env["stock.sync.delivery"]._claimed(
            event.delivery_ids.ids
        )
        self.assertEqual(text.count('"sequence"'), 1)
        self.assertEqual(json.loads(text), event._cloud_event())
        self.assertEqual(json.loads(text)["sequence"], f"{event.sequence:020d}")
        self.assertEqual(json.loads(event.payload_pretty), event._cloud_event())

    def test_stock_and_events_commit_together_or_not_at_all(self):
        events_before = self.env["stock.sync.event"].search_count([])
        # The outbox fails: the stock change must fail with it.
        with patch(
            "odoo.addons.stock_sync.models.stock_sync_event.insert_rows_listed",
            side_effect=RuntimeError("outbox down"),
        ):
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                self.receive([(self.product, 5)])
        self.assertEqual(self.product.qty_available, 0)
        # The stock transaction fails after capture: no event is left behind.
        with self.assertRaises(ValueError), self.env.cr.savepoint():
            self.receive([(self.product, 5)])
            raise ValueError("validation aborted later in the same transaction")
        self.env.invalidate_all()
        self.assertEqual(self.env["stock.sync.event"].search_count([]), events_before)
        self.assertEqual(self.product.qty_available, 0)
        self.assertOutboxMatchesStockLedger()

    def test_capture_does_no_network_io(self):
        with (
            patch(
                "requests.Session.request", side_effect=AssertionError("network I/O during capture")
            ),
            patch("socket.create_connection", side_effect=AssertionError("socket during capture")),
        ):
            picking = self.receive([(self.product, 1)])
        self.assertEqual(len(self.events_of(picking)), 1)
        self.assertOutboxMatchesStockLedger()

    def test_paused_capture_writes_nothing(self):
        self.env["ir.config_parameter"].set_param("stock_sync.capture_paused", "True")
        picking = self.receive([(self.product, 1)])
        self.assertFalse(self.events_of(picking))
        self.env["ir.config_parameter"].set_param("stock_sync.capture_paused", False)
        picking = self.receive([(self.product, 1)])
        self.assertEqual(len(self.events_of(picking)), 1)

    def test_lot_changes_emit_events(self):
        lot = self.env["stock.lot"].create({"name": "L-900", "product_id": self.lot_product.id})
        Event = self.env["stock.sync.event"]
        lot.with_user(self.stock_manager).write({"ref": "SUPPLIER-42"})
        event = Event.search([("lot_id", "=", lot.id), ("type", "=", "odoo.stock_sync.lot.v1")])
        self.assertEqual(len(event), 1)
        self.assertEventMatchesSchema(event)
        self.assertEqual(event.payload["data"]["changed"], ["ref"])
        self.assertEqual(event.payload["data"]["values"]["ref"], "SUPPLIER-42")
        lot.write({"ref": "SUPPLIER-42"})  # no change, no event
        lot.write({"note": "<p>internal note</p>"})  # not a field other systems track
        self.assertEqual(Event.search_count([("lot_id", "=", lot.id)]), 1)

    def test_criticality_follows_product_then_category_then_parent(self):
        child = self.env["product.category"].create(
            {"name": "Child", "parent_id": self.categ_critical.id}
        )
        product = self.env["product.product"].create(
            {"name": "Child product", "is_storable": True, "categ_id": child.id}
        )
        self.assertEqual(product.product_tmpl_id._stock_sync_criticality(), "critical")
        product.stock_sync_criticality = "bulk"
        self.assertEqual(product.product_tmpl_id._stock_sync_criticality(), "bulk")
        plain = self.env["product.category"].create({"name": "Plain"})
        self.assertEqual(plain._stock_sync_criticality(), "standard")

    def test_multi_company_events_carry_their_company(self):
        other = self.env["res.company"].create({"name": "Plant Two"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        user = self.env["res.users"].create(
            {
                "name": "Plant two operator",
                "login": "plant2_op",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set(self.env.ref("stock.group_stock_user").ids)],
            }
        )
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
                                "name": "x",
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "product_uom": self.product.uom_id.id,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
            .with_user(user)
        )
        picking.action_confirm()
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking.button_validate()
        event = self.events_of(picking)
        self.assertEqual(event.company_id, other)
        self.assertEqual(
            event.payload["partitionkey"], f"product:{self.product.id}@company:{other.id}"
        )
        self.assertTrue(event.payload["source"].endswith(f"/company/{other.id}"))
        self.assertOutboxMatchesStockLedger()
