# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A scan is the event: its movement events carry the scan, the device and the order."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.mrp_barcode_consumption.tests.common import ScanCase
from odoo.addons.stock_sync.tests.common import (
    MOVEMENT_TYPE,
    OutboxAssertions,
    OutboxDeliveryCase,
)


@tagged("post_install", "-at_install")
class TestScanEvents(OutboxAssertions, ScanCase):
    def test_scan_undo_close(self):
        production = self.new_production(qty=2)
        with self.capture_events() as captured:
            answer = self.scan("RES-A", production, quantity=0.4, scan_id="s-1", device_id="HH-7")
        self.assertTrue(answer["ok"], answer["message"])
        event = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(event), 1, "one event per done line of the scan, at once")
        data = event.payload["data"]
        self.assertEqual(data["operation"], "consumption")
        self.assertEqual(
            data["scan"],
            {
                "scan_id": "s-1",
                "device_id": "HH-7",
                "action": "consume",
                "undoes": None,
                "production": {"id": production.id, "name": production.name},
            },
        )
        self.assertEqual(data["manufacturing"]["production"]["id"], production.id)
        self.assertEqual((data["lot"]["name"], data["quantity"]), ("RES-A", 0.4))
        self.assertEqual(data["location_from"]["on_hand"], 19.6)

        with self.capture_events() as captured:
            self.scan("4006381333931", production, quantity=3, scan_id="s-2", device_id="HH-7")
            self.scan("4006381333931", production, quantity=3, scan_id="s-2", device_id="HH-7")
        self.assertEqual(len(captured), 1, "a replayed scan emits nothing")

        with self.capture_events() as captured:
            self.assertRefused(self.scan("GREASE-0001", production), "not_a_component")
            self.assertRefused(self.scan("RES-FAR", production, quantity=0.5), "lot_unavailable")
        self.assertEqual(len(captured), 0, "a refusal moves nothing and says nothing")

        with self.capture_events() as captured:
            undo = self.undo(production, scan_id="u-1", device_id="HH-7")
        self.assertTrue(undo["ok"], undo["message"])
        event = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(event), 1)
        data = event.payload["data"]
        self.assertEqual(data["operation"], "correction")
        self.assertEqual(data["quantity"], 0.0)
        self.assertEqual(data["correction"]["previous"]["quantity"], 3.0)
        self.assertEqual(
            (data["scan"]["action"], data["scan"]["undoes"], data["scan"]["scan_id"]),
            ("undo", "s-2", "u-1"),
        )

        with self.capture_events() as captured:
            self.close(production)
        consumption = captured.of_type(MOVEMENT_TYPE).filtered(
            lambda e: e.payload["data"]["operation"] == "consumption"
        )
        by_product = {}
        for event in consumption:
            data = event.payload["data"]
            self.assertNotIn("scan", data, "the close is no scan")
            by_product[data["product"]["id"]] = (
                by_product.get(data["product"]["id"], 0) + (data["quantity"])
            )
        self.assertEqual(by_product[self.bolt.id], 8.0, "the undone 3 are consumed at close")
        self.assertAlmostEqual(by_product[self.resin.id], 0.6, msg="1 kg less the 0.4 scanned")
        self.assertOutboxMatchesStockLedger()

    def test_serials_gs1_and_package(self):
        production = self.new_production(qty=3)
        package = self.env["stock.quant.package"].create({"name": "PALLET-9"})
        self.receive([(self.bolt, 6, None, self.stock, package)])
        with self.capture_events() as captured:
            self.assertTrue(self.scan("SN-1", production)["ok"])
            self.assertTrue(self.scan("SN-2", production)["ok"])
            self.assertTrue(
                self.scan("\x1d0109501101020917" + "3103000500" + "10RES-B", production)["ok"]
            )
            self.assertTrue(self.scan("PALLET-9", production)["ok"])
        events = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(events), 4)
        self.assertEqual(
            [e.payload["data"]["lot"] and e.payload["data"]["lot"]["name"] for e in events],
            ["SN-1", "SN-2", "RES-B", None],
        )
        self.assertEqual(events[-1].payload["data"]["package"]["name"], "PALLET-9")
        self.undo(production)
        self.undo(production)
        self.assertOutboxMatchesStockLedger()

    def test_unplanned_component(self):
        self.company.scan_allow_unplanned = True
        production = self.new_production(qty=1)
        with self.capture_events() as captured:
            self.assertTrue(self.scan("GREASE-0001", production, quantity=2)["ok"])
        self.assertEqual(captured.events.payload["data"]["scan"]["action"], "consume")
        self.close(production)
        self.assertOutboxMatchesStockLedger()


@tagged("post_install", "-at_install")
class TestScanEventsDelivered(OutboxDeliveryCase):
    """The scan's event reaches a subscriber's receiver, signed, within a dispatch."""

    def test_event_at_the_receiver(self):
        floor = new_test_user(
            self.env, "sync_floor", groups="mrp_barcode_consumption.group_shop_floor_operator"
        )
        pump = self.env["product.product"].create({"name": "Sync pump", "is_storable": True})
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": pump.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [Command.create({"product_id": self.product.id, "product_qty": 5})],
            }
        )
        self.receive([(self.product, 20)])
        production = self.env["mrp.production"].create(
            {"product_id": pump.id, "bom_id": bom.id, "product_qty": 2}
        )
        production.action_confirm()
        self.dispatch()
        self.receiver.reset()
        answer = (
            self.env["mrp.production"]
            .with_user(floor)
            .consume_scan(
                self.product.barcode,
                production=production.name,
                quantity=4,
                device_id="HH-RX",
                scan_id="rx-1",
            )
        )
        self.assertTrue(answer["ok"], answer["message"])
        self.dispatch()
        received = [e for e in self.receiver.events if e["type"] == MOVEMENT_TYPE]
        self.assertEqual(len(received), 1)
        self.assertEventMatchesSchema(received[0])
        self.assertEqual(
            received[0]["data"]["scan"],
            {
                "scan_id": "rx-1",
                "device_id": "HH-RX",
                "action": "consume",
                "undoes": None,
                "production": {"id": production.id, "name": production.name},
            },
        )
        self.assertEqual(received[0]["data"]["quantity"], 4.0)
        self.assertOutboxMatchesStockLedger(endpoint=self.endpoint)
