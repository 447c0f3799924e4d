import requests

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.stock_sync.services import http_transport
from odoo.addons.stock_sync_connector.services.backend_config import AuthError
from odoo.addons.stock_sync_connector_rest.services.rest_client import RestClient

STOCK_PATH = "/api/v1/stock"


class StockSyncBackend(models.Model):
    _inherit = "stock.sync.backend"

    def _wms_rest_fetch_snapshot(self, cursor, limit):
        """One page of the WMS's stock: ``GET /api/v1/stock?cursor=&limit=``.

        The WMS answers ``{"items": [{sku, location, lot?, status?, quantity, unit?}],
        "next_cursor": "..." or null}``. Returns ``(items, next cursor)``.

        :raises UserError: the WMS is unreachable, refuses the credentials, or
            answers something else than that shape (the reconciliation then
            records why on the backend; nothing is compared).
        """
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        try:
            response = RestClient(self._client_config()).request("GET", STOCK_PATH, params=params)
        except AuthError as exc:
            raise UserError(
                _("%(backend)s refused the credentials: %(error)s", backend=self.name, error=exc)
            )
        except requests.RequestException as exc:
            raise UserError(
                _(
                    "%(backend)s's stock could not be read: %(cause)s.",
                    backend=self.name,
                    cause=http_transport._describe(exc, self.base_url),
                )
            )
        if response.status_code != 200:
            raise UserError(
                _(
                    "%(backend)s answered HTTP %(status)s to the stock snapshot request.",
                    backend=self.name,
                    status=response.status_code,
                )
            )
        try:
            body = response.json()
            items, next_cursor = body["items"], body.get("next_cursor")
        except (ValueError, KeyError, TypeError):
            raise UserError(_("%s's stock snapshot is not {items, next_cursor} JSON.", self.name))
        if not isinstance(items, list) or (
            next_cursor is not None and not isinstance(next_cursor, str)
        ):
            raise UserError(_("%s's stock snapshot is not {items, next_cursor} JSON.", self.name))
        return items, next_cursor
