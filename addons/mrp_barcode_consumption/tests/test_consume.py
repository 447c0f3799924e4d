# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ScanCase


@tagged("post_install", "-at_install")
class TestConsume(ScanCase):
    def test_scan_posts_to_stock_at_once(self):
        production = self.new_production(qty=2)
        before = self.quantity_at(self.bolt)
        answer = self.scan("4006381333931", production, quantity=3)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["code"], "consumed")
        self.assertEqual(
            answer["consumed"],
            {
                "product_id": self.bolt.id,
                "product": self.bolt.display_name,
                "lot": None,
                "quantity": 3.0,
                "uom": "Units",
            },
        )
        self.assertEqual(
            answer["production"],
            {"id": production.id, "name": production.name, "state": "progress"},
        )
        self.assertEqual(answer["warnings"], [])
        self.assertFalse(answer["replayed"])
        # On-hand is lower now, not when the MO closes.
        self.assertEqual(self.quantity_at(self.bolt), before - 3)
        bolt = self.component(answer, self.bolt)
        self.assertEqual(
            (bolt["planned"], bolt["consumed"], bolt["remaining"], bolt["tracking"]),
            (8.0, 3.0, 5.0, "none"),
        )
        done = production.move_raw_ids.filtered(lambda m: m.state == "done")
        self.assertRecordValues(
            done,
            [
                {
                    "product_id": self.bolt.id,
                    "quantity": 3.0,
                    "barcode_scanned": True,
                    "raw_material_production_id": production.id,
                    "barcode_planned_qty": 3.0,
                }
            ],
        )
        open_bolt = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.bolt and m.state != "done"
        )
        self.assertEqual(open_bolt.product_uom_qty, 5.0)
        log = self.log_of(answer)
        self.assertRecordValues(
            log,
            [
                {
                    "result": "accepted",
                    "code": "consumed",
                    "is_key": True,
                    "device_id": "HH-01",
                    "user_id": self.operator.id,
                    "production_id": production.id,
                    "product_id": self.bolt.id,
                    "quantity": 3.0,
                    "move_id": done.id,
                }
            ],
        )
        self.assertGreater(log.duration_ms, 0)

    def test_partial_scans_add_up(self):
        production = self.new_production(qty=2)
        before = self.quantity_at(self.bolt)
        for _n in range(3):
            answer = self.scan("4006381333931", production, quantity=2)
            self.assertTrue(answer["ok"], answer["message"])
        bolt = self.component(answer, self.bolt)
        self.assertEqual((bolt["consumed"], bolt["remaining"]), (6.0, 2.0))
        self.assertEqual(self.quantity_at(self.bolt), before - 6)
        self.assertEqual(
            sum(production.move_raw_ids.filtered(lambda m: m.state == "done").mapped("quantity")),
            6.0,
        )

    def test_quantity_in_another_unit(self):
        production = self.new_production(qty=10)  # 40 bolts planned
        before = self.quantity_at(self.bolt)
        answer = self.scan("4006381333931", production, quantity=2, uom="Dozens")
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 24.0)
        self.assertEqual(self.quantity_at(self.bolt), before - 24)
        answer = self.scan("RES-A", production, quantity=250, uom=self.gram.id)  # 5 kg planned
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["quantity"], 0.25)

    def test_scanning_the_order_opens_it(self):
        production = self.new_production()
        answer = self.scan(production.name)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["code"], "opened")
        self.assertEqual(answer["production"]["id"], production.id)
        self.assertEqual(
            {row["product_id"] for row in answer["components"]},
            {self.bolt.id, self.resin.id, self.sensor.id},
        )
        self.assertIsNone(answer["consumed"])
        self.assertFalse(production.move_raw_ids.filtered(lambda m: m.state == "done"))
        # The order also goes by name for a component scan.
        answer = self.scan("4006381333931", production.name)
        self.assertEqual(answer["code"], "consumed")

    def test_the_scan_s_move_leaves_the_open_move_s_links(self):
        # The done move split off the open one takes core's split values but
        # no link to other moves (asked of a stand-in of the open move without
        # them): the open move keeps its origins and destinations.
        production = self.new_production(qty=2)
        open_bolt = production.move_raw_ids.filtered(lambda m: m.product_id == self.bolt)
        Move = self.env["stock.move"]
        upstream, downstream = Move.create(
            [
                {
                    "name": name,
                    "product_id": self.bolt.id,
                    "product_uom_qty": 8,
                    "product_uom": self.bolt.uom_id.id,
                    "location_id": self.stock.id,
                    "location_dest_id": self.stock.id,
                }
                for name in ("upstream", "downstream")
            ]
        )
        deadline = fields.Datetime.now().replace(microsecond=0) + timedelta(days=3)
        open_bolt.write(
            {
                "move_orig_ids": [Command.link(upstream.id)],
                "move_dest_ids": [Command.link(downstream.id)],
                "date_deadline": deadline,
                "price_unit": 1.25,
            }
        )
        answer = self.scan("4006381333931", production, quantity=3)
        self.assertTrue(answer["ok"], answer["message"])
        done = production.move_raw_ids.filtered(lambda m: m.state == "done")
        self.assertRecordValues(
            done,
            [
                {
                    "move_orig_ids": [],
                    "move_dest_ids": [],
                    "date_deadline": deadline,
                    "price_unit": 1.25,
                    "quantity": 3.0,
                }
            ],
        )
        self.assertRecordValues(
            open_bolt,
            [
                {
                    "move_orig_ids": upstream.ids,
                    "move_dest_ids": downstream.ids,
                    "product_uom_qty": 5.0,
                }
            ],
        )
        self.assertEqual(upstream.move_dest_ids, open_bolt)
        self.assertEqual(downstream.move_orig_ids, open_bolt)

    def test_consume_from_a_given_location(self):
        production = self.new_production(qty=2)
        answer = self.scan("RES-B", production, quantity=0.5, location=self.line_side.id)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(self.quantity_at(self.resin, self.line_side, self.lot_b), 19.5)

    def test_operator_consumes_only_through_the_service(self):
        production = self.new_production()
        move = production.move_raw_ids[:1].with_user(self.operator)
        with self.assertRaises(AccessError):
            move.write({"quantity": 1, "picked": True})
        with self.assertRaises(AccessError):
            production.with_user(self.operator).button_mark_done()
        # ... but reads the order, its components and lots, and the scan log.
        self.assertEqual(production.with_user(self.operator).name, production.name)
        self.assertTrue(self.lot_a.with_user(self.operator).name)
        self.assertTrue(self.scan("4006381333931", production)["ok"])
        self.assertTrue(self.env["mrp.barcode.scan"].with_user(self.operator).search_count([]) >= 1)
        with self.assertRaises(AccessError):
            self.env["mrp.barcode.scan"].with_user(self.operator).search([], limit=1).write(
                {"code": "consumed"}
            )
