"""ATP against hand-computed cases: on hand, safety stock, demand and incoming by day."""

import datetime

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AvailabilityCase


@tagged("post_install", "-at_install")
class TestAtp(AvailabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        P = cls.product  # noqa: N806
        cls.set_on_hand(P, 100)
        # Stock outside every warehouse's tree (where quality hold buckets live): never counts.
        cls.outside = cls.env["stock.location"].create(
            {
                "name": "Outside any warehouse",
                "usage": "internal",
                "location_id": cls.env.ref("stock.stock_location_locations").id,
            }
        )
        cls.set_on_hand(P, 40, cls.outside)
        cls.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": P.id,
                "warehouse_id": cls.warehouse.id,
                "location_id": cls.stock.id,
                "product_min_qty": 10,
                "product_max_qty": 20,
                "trigger": "manual",
            }
        )
        # Day -3 (late, counts today): a delivery of 5.
        cls.late = cls.plan_move(P, 5, cls.stock, cls.customer_loc, -3)
        # Day 1: 10 to the second warehouse (demand here, incoming there).
        cls.to_wh2 = cls.plan_move(P, 10, cls.stock, cls.warehouse2.lot_stock_id, 1)
        # Day 2: a manufacturing order's component need of 30 (stock -> production).
        cls.component = cls.plan_move(P, 30, cls.stock, cls.production_loc, 2)
        # Day 5: a receipt of 50.
        cls.receipt = cls.plan_move(P, 50, cls.supplier_loc, cls.stock, 5)
        # Day 6: a manufacturing order's production of 8 (production -> stock).
        cls.production = cls.plan_move(P, 8, cls.production_loc, cls.stock, 6)
        # Day 7: a delivery of 48.
        cls.delivery = cls.plan_move(P, 48, cls.stock, cls.customer_loc, 7)
        # Day 3: stock -> shelf inside the warehouse: changes nothing.
        cls.internal = cls.plan_move(P, 20, cls.stock, cls.shelf, 3)
        # Day 40: beyond a 30-day horizon.
        cls.far = cls.plan_move(P, 1000, cls.stock, cls.customer_loc, 40)

    def atp(self, warehouse=None, horizon=30, user=None):
        product = self.product.with_user(user or self.operator)
        warehouse = (warehouse or self.warehouse).with_user(user or self.operator)
        return product._atp(warehouse, horizon)[self.product.id, warehouse.id]

    def test_hand_computed_timeline(self):
        """100 on hand − 10 safety − 5 late = 85; −10 (d1) 75; −30 (d2) 45; +50 (d5) 95;
        +8 (d6) 103; −48 (d7) 55. ATP is the lowest projected from each day on."""
        row = self.atp()
        self.assertEqual(row.on_hand, 100)  # the 40 outside the warehouse do not count
        self.assertEqual(row.safety, 10)
        self.assertEqual(row.demand, 5 + 10 + 30 + 48)
        self.assertEqual(row.incoming, 50 + 8)
        self.assertEqual(
            [(d.day, d.incoming, d.demand, d.projected, d.atp) for d in row.days],
            [
                (self.today, 0, 5, 85, 45),
                (self.day(1).date(), 0, 10, 75, 45),
                (self.day(2).date(), 0, 30, 45, 45),
                (self.day(5).date(), 50, 0, 95, 55),
                (self.day(6).date(), 8, 0, 103, 55),
                (self.day(7).date(), 0, 48, 55, 55),
            ],
        )
        self.assertEqual(row.atp, 45)
        self.assertEqual(row.atp_on(self.day(4).date()), 45)
        self.assertEqual(row.atp_on(self.day(5).date()), 55)
        self.assertEqual(row.atp_on(self.day(29).date()), 55)

    def test_second_warehouse_gets_the_transfer_as_incoming(self):
        row = self.atp(self.warehouse2)
        self.assertEqual((row.on_hand, row.incoming, row.demand), (0, 10, 0))
        self.assertEqual(
            [(d.day, d.projected, d.atp) for d in row.days],
            [
                (self.today, 0, 0),
                (self.day(1).date(), 10, 10),
            ],
        )

    def test_horizon_bounds_the_demand(self):
        """With 60 days, the 1000 on day 40 count: promising anything now would break it."""
        row = self.atp(horizon=60)
        self.assertEqual(row.demand, 5 + 10 + 30 + 48 + 1000)
        self.assertEqual(row.atp, 55 - 1000)
        self.assertEqual(self.atp(horizon=0).atp, 85)  # only today: late demand counts

    def test_reservation_changes_nothing(self):
        before = self.atp().days
        self.delivery.with_user(self.operator)._action_assign()
        self.assertEqual(self.delivery.state, "assigned")
        self.assertEqual(self.atp().days, before)

    def test_same_moves_as_odoo_virtual_available(self):
        """Over a horizon covering every move, projected end + safety = Odoo's forecast."""
        row = self.atp(horizon=365)
        odoo = self.product.with_context(warehouse_id=self.warehouse.id).virtual_available
        self.assertAlmostEqual(row.projected_end + row.safety, odoo)

    def test_done_and_cancelled_moves_leave_the_demand(self):
        self.delivery._action_cancel()
        self.assertEqual(self.atp().demand, 5 + 10 + 30)
        self.assertEqual(self.atp().atp, 45)  # day 2 is still the lowest

    def test_many_products_and_empty_ones(self):
        products = self.product | self.carton
        result = products.with_user(self.operator)._atp(self.warehouse | self.warehouse2, 30)
        self.assertEqual(len(result), 4)
        empty = result[self.carton.id, self.warehouse2.id]
        self.assertEqual((empty.on_hand, empty.atp, len(empty.days)), (0, 0, 1))
        self.assertEqual(result[self.product.id, self.warehouse.id].atp, 45)

    def test_date_from_in_the_future(self):
        row = self.product._atp(self.warehouse, 30, date_from=self.day(5).date())[
            self.product.id, self.warehouse.id
        ]
        # Everything before day 5 counts on day 5: 85 - 10 - 30 + 50 = 95
        self.assertEqual(row.days[0].day, self.day(5).date())
        self.assertEqual(row.days[0].projected, 95)
        self.assertEqual(row.atp, 55)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValidationError, "from 0 to 365"):
            self.atp(horizon=366)
        with self.assertRaisesRegex(ValidationError, "from 0 to 365"):
            self.atp(horizon=-1)
        with self.assertRaisesRegex(ValidationError, "which warehouses"):
            self.product._atp(self.env["stock.warehouse"], 30)

    def test_product_form_figures(self):
        product = self.product.with_user(self.operator)
        # 45 in WH, 0 in WH2 (the day-1 transfer only comes later)
        self.assertEqual(product.atp_qty, 45)
        self.assertIn("WH2", product.atp_table_html)
        action = product.action_open_channel_availability()
        self.assertEqual(action["domain"], [("product_id", "=", self.product.id)])

    def test_date_type(self):
        self.assertIsInstance(self.atp().days[0].day, datetime.date)
