import datetime

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.stock_sync.tests.common import StockSyncCase

AVAILABILITY_TYPE = "odoo.stock_sync_availability.availability.v1"


class AvailabilityCase(StockSyncCase):
    """StockSyncCase plus a second warehouse, a planner and helpers to plan moves on a day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.warehouse2 = cls.env["stock.warehouse"].create({"name": "Second WH", "code": "WH2"})
        cls.production_loc = cls.env["stock.location"].search(
            [("usage", "=", "production"), ("company_id", "in", [cls.company.id, False])], limit=1
        )
        cls.planner = new_test_user(
            cls.env, "atp_planner", groups="stock.group_stock_user,stock_sync.group_stock_sync_user"
        )

    @classmethod
    def day(cls, offset):
        """Noon UTC, ``offset`` days from today: the move's scheduled date."""
        return datetime.datetime.combine(
            cls.today + datetime.timedelta(days=offset), datetime.time(12)
        )

    @classmethod
    def plan_move(cls, product, qty, source, destination, offset, assign=False):
        """A confirmed move of ``qty`` on day ``offset`` (no picking), as a planner's order makes."""
        move = cls.env["stock.move"].create(
            {
                "name": f"{product.name} {qty}",
                "product_id": product.id,
                "product_uom_qty": qty,
                "product_uom": product.uom_id.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "date": cls.day(offset),
            }
        )
        move._action_confirm()
        if assign:
            move._action_assign()
        return move

    @classmethod
    def set_on_hand(cls, product, qty, location=None):
        """Count ``qty`` on hand in ``location`` (WH/Stock) through an applied inventory."""
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": (location or cls.stock).id,
                "inventory_quantity": qty,
            }
        ).action_apply_inventory()

    @classmethod
    def make_channel(cls, name, warehouses, **vals):
        endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": f"{name} endpoint",
                "url": f"http://127.0.0.1:9/{name.lower().replace(' ', '-')}",
                "secret_ids": [Command.create({})],
            }
        )
        return cls.env["stock.sync.channel"].create(
            dict(
                {
                    "name": name,
                    "endpoint_id": endpoint.id,
                    "warehouse_ids": [Command.set(warehouses.ids)],
                    "planner_id": cls.planner.id,
                },
                **vals,
            )
        )
