"""ShipHero's inventory webhooks, in their own shape, become counts (synthetic payloads)."""

import json

from odoo.tests import tagged

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestInboundShipHero(WmsCase):
    def change(self, quantity, old_quantity, location="SHELF-A", sku="EXT-API", **extra):
        return dict(
            {
                "webhook_type": "Inventory Change",
                "account_id": 1001,
                "warehouse_id": 2002,
                "user_id": 3003,
                "sku": sku,
                "quantity": quantity,
                "old_quantity": old_quantity,
                "location_name": location,
                "previous_on_hand": old_quantity,
                "timestamp": "2026-11-30 10:00:00",
                "reason": "Cycle count",
                "source": "manual",
            },
            **extra,
        )

    def send(self, body):
        status, answer = self.sim.push([], body=json.dumps(body).encode())
        self.apply()
        return status, answer

    def test_inventory_change_sets_the_locations_level(self):
        status, answer = self.send(self.change(7, 0))
        self.assertEqual((status, answer["accepted"]), (200, 1), answer)
        self.assertEqual(self.on_hand(self.product, self.shelf), 7)
        record = self.inbound(answer["results"][0]["id"])
        self.assertRecordValues(record, [{"state": "done", "event_type": "count"}])
        self.assertEqual(str(record.event_time), "2026-11-30 10:00:00")
        # The same message again (ShipHero retries): a duplicate, nothing applied twice.
        status, answer = self.send(self.change(7, 0))
        self.assertEqual(answer["duplicate"], 1)
        # A later change to 4: the level, not a delta.
        later = self.change(4, 7, timestamp="2026-11-30 11:00:00")
        status, answer = self.send(later)
        self.assertEqual(answer["accepted"], 1)
        self.assertEqual(self.on_hand(self.product, self.shelf), 4)
        self.assertOutboxMatchesStockLedger()

    def test_inventory_change_of_a_lot_tracked_product_asks_for_the_lot(self):
        status, answer = self.send(self.change(5, 0, sku="EXT-RES", lot_id=114, lot_uuid="x"))
        record = self.inbound(answer["results"][0]["id"])
        self.assertEqual(record.state, "rejected")
        self.assertIn("must name one", record.error)

    def test_inventory_change_with_a_bad_quantity_is_rejected_with_the_reason(self):
        status, answer = self.send(self.change("lots", 0))
        self.assertEqual(status, 422)
        self.assertIn("'data.quantity' must be a number", answer["results"][0]["error"])

    def test_inventory_update_counts_the_warehouses_on_hand(self):
        body = {
            "account_id": 1001,
            "webhook_type": "Inventory Update",
            "inventory": [
                {
                    "sku": "EXT-API",
                    "inventory": "13",
                    "on_hand": "148",
                    "updated_warehouse": {
                        "warehouse_id": 2002,
                        "identifier": "WH-STOCK",
                        "inventory": "13",
                        "on_hand": "48",
                    },
                },
                {"sku": "EXT-API", "on_hand": "5"},
            ],
        }
        status, answer = self.send(body)
        self.assertEqual(status, 200, answer)
        self.assertEqual([r["status"] for r in answer["results"]], ["accepted", "rejected"])
        self.assertIn("Unknown event type", answer["results"][1]["error"])
        self.assertEqual(self.on_hand(self.product, self.stock), 48)
        self.assertOutboxMatchesStockLedger()
