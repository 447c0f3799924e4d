"""What a channel shows: ATP of its warehouses, less its buffer, capped, rounded down; bad policies."""

from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AvailabilityCase


@tagged("post_install", "-at_install")
class TestChannelQuantities(AvailabilityCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_on_hand(cls.product, 100)
        cls.plan_move(cls.product, 20, cls.stock, cls.customer_loc, 3)
        cls.set_on_hand(cls.carton, 55)
        cls.categ_sub = cls.env["product.category"].create(
            {"name": "Boxes", "parent_id": cls.categ_bulk.id}
        )
        cls.box = cls.env["product.product"].create(
            {
                "name": "Box",
                "is_storable": True,
                "default_code": "BOX-1",
                "categ_id": cls.categ_sub.id,
            }
        )
        cls.set_on_hand(cls.box, 7)
        cls.set_on_hand(cls.box, 30, cls.warehouse2.lot_stock_id)
        cls.web = cls.make_channel(
            "Web",
            cls.warehouse,
            buffer_type="percent",
            buffer_value=10,
            max_exposed_qty=70,
            buffer_ids=[
                Command.create(
                    {"categ_id": cls.categ_bulk.id, "buffer_type": "absolute", "buffer_value": 5}
                )
            ],
        )
        cls.market = cls.make_channel(
            "Market", cls.warehouse | cls.warehouse2, buffer_type="percent", buffer_value=10
        )

    def shown(self, channel, product):
        return channel.with_user(self.sync_user)._quantities(product)[product.id]

    def test_percent_buffer_then_maximum(self):
        figures = self.shown(self.web, self.product)
        # ATP 100 - 20 = 80; buffer 10% = 8; 72 capped at 70
        self.assertEqual(
            (figures["atp"], figures["buffer"], figures["quantity"], figures["committed"]),
            (80, 8, 70, 20),
        )

    def test_category_buffer_and_its_children(self):
        self.assertEqual(self.shown(self.web, self.carton)["quantity"], 50)  # 55 - 5
        self.assertEqual(self.shown(self.web, self.box)["quantity"], 2)  # 7 - 5, sub-category
        self.assertEqual(self.shown(self.web, self.box)["atp"], 7)  # WH2 does not feed Web

    def test_several_warehouses_rounded_down(self):
        box = self.shown(self.market, self.box)
        self.assertEqual((box["atp"], box["quantity"]), (37, 33))  # 37 - 3.7 = 33.3 -> 33
        self.assertEqual(self.shown(self.market, self.carton)["quantity"], 49)  # 49.5 -> 49

    def test_buffer_never_below_zero(self):
        self.web.buffer_ids.buffer_value = 500
        figures = self.shown(self.web, self.carton)
        self.assertEqual((figures["quantity"], figures["buffer"]), (0, 55))

    @contextmanager
    def refused(self, pattern):
        """ValidationError matching ``pattern``, rolled back (Odoo's assertRaises uses a savepoint)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def test_bad_policies(self):
        Channel = self.env["stock.sync.channel"].with_user(self.sync_manager)
        with self.refused("from 0 to 100"):
            self.web.with_user(self.sync_manager).buffer_value = 150
        with self.refused("cannot be negative"):
            self.web.with_user(self.sync_manager).buffer_value = -1
        with self.refused("from 0 to 100"):
            self.web.buffer_ids.with_user(self.sync_manager).write(
                {"buffer_type": "percent", "buffer_value": 101}
            )
        with self.refused("cannot be negative"):
            self.web.buffer_ids.with_user(self.sync_manager).buffer_value = -2
        with self.refused("has no warehouse"):
            Channel.create({"name": "Empty", "endpoint_id": self.endpoint.id})
        with self.refused("has no warehouse"):
            self.web.with_user(self.sync_manager).warehouse_ids = [Command.clear()]
        with self.refused("maximum to show cannot be negative"):
            self.web.with_user(self.sync_manager).max_exposed_qty = -1
        with self.refused("from 0 to 365"):
            self.web.with_user(self.sync_manager).horizon_days = 1000
        other = self.env["res.company"].create({"name": "Other Co"})
        with self.refused("cannot sell the stock"):
            Channel.sudo().create(
                {
                    "name": "Foreign",
                    "endpoint_id": self.endpoint.id,
                    "company_id": other.id,
                    "warehouse_ids": [Command.set(self.warehouse.ids)],
                }
            )
        # Nothing half-written
        self.assertEqual((self.web.buffer_value, self.web.max_exposed_qty), (10, 70))
        self.assertEqual(self.web.buffer_ids.buffer_value, 5)
        self.assertEqual(self.web.warehouse_ids, self.warehouse)

    def test_stock_user_may_not_change_a_channel(self):
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.web.with_user(self.operator).buffer_value = 5
