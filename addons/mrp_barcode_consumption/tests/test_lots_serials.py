# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import ScanCase


@tagged("post_install", "-at_install")
class TestLotsSerials(ScanCase):
    def test_lot_by_its_name(self):
        production = self.new_production(qty=2)  # 1 kg resin planned
        answer = self.scan("RES-A", production, quantity=0.4)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(answer["consumed"]["lot"], "RES-A")
        self.assertEqual(self.quantity_at(self.resin, lot=self.lot_a), 19.6)
        line = production.move_raw_ids.filtered(lambda m: m.state == "done").move_line_ids
        self.assertRecordValues(line, [{"lot_id": self.lot_a.id, "quantity": 0.4}])
        # The order's own reservation of that lot is taken over, not doubled.
        open_resin = production.move_raw_ids.filtered(
            lambda m: m.product_id == self.resin and m.state != "done"
        )
        self.assertAlmostEqual(open_resin.product_uom_qty, 0.6)
        self.assertLessEqual(open_resin.quantity, 0.6 + 1e-6)
        self.assertReservationsMatchQuants(self.resin)

    def test_lot_in_a_shelf_of_the_component_location(self):
        production = self.new_production(qty=2)
        answer = self.scan("RES-B", production, quantity=0.5)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertEqual(self.quantity_at(self.resin, self.line_side, self.lot_b), 19.5)

    def test_lot_elsewhere_is_unavailable(self):
        production = self.new_production(qty=2)
        answer = self.scan("RES-FAR", production, quantity=0.5)
        self.assertRefused(answer, "lot_unavailable", production)
        self.assertIn("RES-FAR", answer["message"])
        self.assertEqual(self.quantity_at(self.resin, self.elsewhere, self.lot_far), 20)

    def _resin_order_of_30_kg(self):
        """An order reserving 30 kg of resin (20 in lot A, 10 in lot B): the order,
        its open resin move, and ``reserved(lot)``, what that move reserves of a lot."""
        production = self.new_production(qty=60)
        open_resin = production.move_raw_ids.filtered(lambda m: m.product_id == self.resin)

        def reserved(lot):
            lines = open_resin.move_line_ids.filtered(lambda ml: ml.lot_id == lot)
            return sum(lines.mapped("quantity"))

        return production, open_resin, reserved

    def test_reservation_trimmed_from_the_scanned_lot(self):
        production, open_resin, reserved = self._resin_order_of_30_kg()

        before = {lot: reserved(lot) for lot in (self.lot_a, self.lot_b)}
        self.assertGreaterEqual(before[self.lot_b], 0.5)
        # Lot B has free stock left: it is consumed from there, and the order's
        # reservation shrinks to its smaller demand on lot B, not lot A.
        answer = self.scan("RES-B", production, quantity=0.5)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertAlmostEqual(open_resin.product_uom_qty, 29.5)
        self.assertAlmostEqual(reserved(self.lot_a), before[self.lot_a])
        self.assertAlmostEqual(reserved(self.lot_b), before[self.lot_b] - 0.5)
        self.assertEqual(self.quantity_at(self.resin, self.line_side, self.lot_b), 19.5)
        self.assertReservationsMatchQuants(self.resin)

    def test_reservation_trim_drops_then_lowers_lines(self):
        production, open_resin, reserved = self._resin_order_of_30_kg()

        self.assertAlmostEqual(reserved(self.lot_a), 20)
        self.assertAlmostEqual(reserved(self.lot_b), 10)
        self.assertReservationsMatchQuants(self.resin)
        # 10 kg of lot B's free stock: the demand drops to 20 kg, and lot B's
        # reserved line, the scanned lot's, goes entirely.
        answer = self.scan("RES-B", production, quantity=10)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertAlmostEqual(open_resin.product_uom_qty, 20)
        self.assertFalse(open_resin.move_line_ids.filtered(lambda ml: ml.lot_id == self.lot_b))
        self.assertAlmostEqual(reserved(self.lot_a), 20)
        self.assertEqual(open_resin.state, "assigned")
        self.assertReservationsMatchQuants(self.resin)
        # 0.5 kg more of lot B (free again): lot A's line is lowered by 0.5 kg.
        answer = self.scan("RES-B", production, quantity=0.5)
        self.assertTrue(answer["ok"], answer["message"])
        self.assertAlmostEqual(open_resin.product_uom_qty, 19.5)
        self.assertAlmostEqual(open_resin.quantity, 19.5)
        self.assertAlmostEqual(reserved(self.lot_a), 19.5)
        self.assertEqual(open_resin.state, "assigned")
        self.assertReservationsMatchQuants(self.resin)
        self.assertEqual(self.quantity_at(self.resin, self.line_side, self.lot_b), 9.5)
        self.assertEqual(self.quantity_at(self.resin, lot=self.lot_a), 20)

    def test_reservation_trim_in_packages_and_loose(self):
        """The trim finds the quants of packaged and loose reserved lines alike.

        An untracked component reserved in a package and loose at the same
        location: each scan lowers the order's reservation on the right quant,
        none is created, and the open move stays reserved as far as its demand.
        """
        washer = self.env["product.product"].create(
            {"name": "Washer", "is_storable": True, "barcode": "WASHER-0001"}
        )
        crate = self.env["stock.quant.package"].create({"name": "CRATE-3"})
        self.receive([(washer, 5, None, self.stock, crate), (washer, 5, None, self.stock)])
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": self.pump.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [Command.create({"product_id": washer.id, "product_qty": 1})],
            }
        )
        production = self.new_production(qty=8, bom=bom)
        open_washer = production.move_raw_ids
        self.assertEqual(open_washer.quantity, 8)
        self.assertEqual(len(open_washer.move_line_ids.package_id), 1)
        domain = [("product_id", "=", washer.id), ("location_id.usage", "=", "internal")]
        quants = self.env["stock.quant"].search(domain)
        self.assertReservationsMatchQuants(washer)
        for left in (6, 4, 2):
            answer = self.scan("WASHER-0001", production, quantity=2)
            self.assertTrue(answer["ok"], answer["message"])
            self.assertEqual(open_washer.product_uom_qty, left)
            self.assertEqual(open_washer.quantity, left)
            self.assertEqual(open_washer.state, "assigned")
            self.assertReservationsMatchQuants(washer)
        self.assertLessEqual(set(self.env["stock.quant"].search(domain).ids), set(quants.ids))
        self.assertEqual(self.quantity_at(washer), 4)

    def test_lot_short_of_the_quantity(self):
        production = self.new_production(qty=60)  # 30 kg planned, 20 in lot A
        answer = self.scan("RES-A", production, quantity=25)
        self.assertRefused(answer, "lot_unavailable", production)
        self.assertIn("20", answer["message"])

    def test_tracked_product_needs_its_lot(self):
        production = self.new_production(qty=2)
        answer = self.scan("09501101020917", production, quantity=0.5)
        self.assertRefused(answer, "lot_required", production)
        self.assertRefused(self.scan("SENSOR-0001", production), "lot_required", production)

    def test_serials_one_at_a_time_never_twice(self):
        production = self.new_production(qty=3)
        first = self.scan("SN-1", production)
        self.assertTrue(first["ok"], first["message"])
        self.assertEqual(first["consumed"]["quantity"], 1.0)
        self.assertEqual(self.quantity_at(self.sensor, lot=self.serials[0]), 0)
        again = self.scan("SN-1", production)
        self.assertRefused(again, "serial_twice")
        self.assertIn("SN-1", again["message"])
        self.assertRefused(self.scan("SN-2", production, quantity=2), "serial_quantity")
        self.assertTrue(self.scan("SN-2", production, quantity=1)["ok"])
        sensor = self.component(self.scan("SN-3", production), self.sensor)
        self.assertEqual((sensor["consumed"], sensor["remaining"]), (3.0, 0.0))

    def test_serial_consumed_by_another_order_is_unavailable(self):
        one, two = self.new_production(qty=1), self.new_production(qty=1)
        self.assertTrue(self.scan("SN-4", one)["ok"])
        self.assertRefused(self.scan("SN-4", two), "lot_unavailable", two)

    def test_expired_lot(self):
        production = self.new_production(qty=2)
        if "expiration_date" in self.lot_a._fields:
            self.lot_a.expiration_date = fields.Datetime.now() - timedelta(days=1)
            answer = self.scan("RES-A", production, quantity=0.5)
            self.assertRefused(answer, "lot_expired", production)
            self.assertIn("expired", answer["message"])
        # A GS1 label whose AI 17 says it expired (in 2020), whatever the lot says.
        answer = self.scan("\x1d01095011010209171720013110RES-B", production, quantity=0.5)
        self.assertRefused(answer, "lot_expired", production)
