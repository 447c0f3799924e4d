import datetime
import logging

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from ..models.ir_http import json_error

_logger = logging.getLogger(__name__)

MAX_PRODUCTS = 1000


class AvailabilityController(http.Controller):
    """The channels' JSON API: what a channel may show, per product, with its ATP by day.

    Thin: it reads the request, checks it, and hands over to
    ``stock.sync.channel._quantities`` and ``product.product._atp``.
    """

    @http.route(
        "/api/stock_sync_availability/v1/channels/<int:channel_id>/availability",
        type="http",
        auth="stock_sync_bearer",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def channel_availability(self, channel_id, products=None, warehouse=None, horizon=None, **kw):
        """``GET ...?products=CODE1,CODE2[&warehouse=WH][&horizon=30]``.

        ``products`` are internal references (``default_code``), at most 1000.
        Answers 200 with the channel's quantity per product and, per
        warehouse, its ATP by day; 400 for a bad parameter, 401 without a
        valid API key, 403 outside the API group, 404 for a channel, product
        or warehouse that does not exist for this key.
        """
        env = request.env
        if not env.user.has_group("stock_sync_availability.group_stock_sync_availability_api"):
            raise json_error(
                403,
                "forbidden",
                "This API key's user is not in the group 'Inventory Sync / Availability API'.",
            )
        channel = env["stock.sync.channel"].search([("id", "=", channel_id)])
        if not channel:
            raise json_error(
                404,
                "unknown_channel",
                f"No channel {channel_id} for this API key: ask for a channel whose API users "
                "include this key's user.",
            )
        codes = [code.strip() for code in (products or "").split(",") if code.strip()]
        if not codes:
            raise json_error(
                400,
                "missing_products",
                "Say which products: products=<internal reference>[,<internal reference>...]",
            )
        if len(codes) > MAX_PRODUCTS:
            raise json_error(
                400, "too_many_products", f"Ask for at most {MAX_PRODUCTS} products per call."
            )
        horizon_days = channel.horizon_days
        if horizon not in (None, ""):
            try:
                horizon_days = int(horizon)
            except ValueError:
                raise json_error(
                    400, "bad_horizon", f"horizon must be a whole number of days, not {horizon!r}."
                ) from None
        # sudo: the API user reads no stock; the channel (checked above) says what he may see.
        channel = channel.sudo()
        found = (
            env["product.product"]
            .sudo()
            .search(
                [
                    ("default_code", "in", codes),
                    ("is_storable", "=", True),
                    ("company_id", "in", [channel.company_id.id, False]),
                ]
            )
        )
        unknown = sorted(set(codes) - set(found.mapped("default_code")))
        if unknown:
            raise json_error(
                404,
                "unknown_product",
                "Unknown or not stocked product(s): " + ", ".join(unknown[:20]),
            )
        warehouses = channel.warehouse_ids
        if warehouse:
            warehouses = warehouses.filtered(lambda w: w.code == warehouse)
            if not warehouses:
                raise json_error(
                    404,
                    "unknown_warehouse",
                    f"Warehouse {warehouse!r} does not feed channel {channel.name}: use one of "
                    + ", ".join(channel.warehouse_ids.mapped("code")),
                )
        try:
            atps = found._atp(channel.warehouse_ids, horizon_days)
        except ValidationError as exc:
            raise json_error(400, "bad_horizon", exc.args[0]) from None
        quantities = channel.with_context(lang=None)._quantities(found, atps)
        date_from = datetime.date.today()
        body = {
            "channel": {"id": channel.id, "name": channel.name},
            "date_from": date_from.isoformat(),
            "horizon_days": horizon_days,
            "products": [
                {
                    "default_code": product.default_code,
                    "uom": product.uom_id.name,
                    "quantity": quantities[product.id]["quantity"],
                    "atp": quantities[product.id]["atp"],
                    "buffer": quantities[product.id]["buffer"],
                    "warehouses": [
                        dict(atps[product.id, wh.id].as_dict(), code=wh.code) for wh in warehouses
                    ],
                }
                for product in found.sorted("default_code")
            ],
        }
        _logger.info(
            "Availability API: channel %s, %d product(s), user %s", channel.id, len(found), env.uid
        )
        return request.make_json_response(body)
