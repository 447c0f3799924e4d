import time

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.stock_sync.services import http_transport
from odoo.addons.stock_sync_connector.services.backend_config import AuthError
from odoo.addons.stock_sync_connector.services.webhook_request import WebhookAnswer

from ..services import rest_adapters
from ..services.rest_client import RestClient

KIND = "wms_rest"
WEBHOOK_PATH = "/inventory_sync/wms/%s/events"
MAX_EVENTS = 500
PING_PATH = "/api/v1/ping"
EVENTS_PATH = "/api/v1/events"


class StockSyncBackend(models.Model):
    """A WMS over REST: its API for outbound calls and polling, signed webhooks inbound."""

    _inherit = "stock.sync.backend"

    kind = fields.Selection(selection_add=[(KIND, "WMS over REST")], ondelete={KIND: "cascade"})
    webhook_url = fields.Char(
        "Webhook URL",
        compute="_compute_webhook_url",
        help="Where the WMS POSTs its events, signed with the webhook secret (Standard Webhooks).",
    )

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (
                f"{base}{WEBHOOK_PATH % backend.id}"
                if backend.kind == KIND and backend.id
                else False
            )

    # ------------------------------------------------------------------
    # Kind hooks (see stock_sync_connector's stock.sync.backend)
    # ------------------------------------------------------------------
    def _wms_rest_test_connection(self):
        """GET the WMS's ping resource, authenticated; say what worked."""
        where = http_transport._where(self.base_url)
        started = time.monotonic()
        try:
            response = RestClient(self._client_config()).request("GET", PING_PATH)
        except AuthError as exc:
            return False, _("Reached no further than authentication: %s", exc)
        except requests.RequestException as exc:
            return False, _(
                "Could not reach %(where)s: %(cause)s. Check the base URL and the network.",
                where=where,
                cause=http_transport._describe(exc, self.base_url),
            )
        elapsed = (time.monotonic() - started) * 1000
        status = response.status_code
        if status in (401, 403):
            return False, _(
                "Reached %(where)s, but it refused the credentials (HTTP %(status)s): "
                "check the authentication settings.",
                where=where,
                status=status,
            )
        if 200 <= status < 300:
            return True, _(
                "Reached %(where)s and authenticated (HTTP %(status)s in %(ms)d ms).",
                where=where,
                status=status,
                ms=elapsed,
            )
        return False, _(
            "Reached %(where)s, but %(path)s answered HTTP %(status)s.",
            where=where,
            path=PING_PATH,
            status=status,
        )

    def _wms_rest_fetch_changes(self, cursor, limit):
        """One page of the WMS's event feed after ``cursor``: ``(events, next cursor)``.

        ``GET /api/v1/events?after=<cursor>&limit=<n>`` answers
        ``{"events": [...], "next_cursor": "..."}``. Raises ``UserError`` when
        the WMS cannot be read or answers something else.
        """
        where = http_transport._where(self.base_url)
        params = {"limit": limit}
        if cursor:
            params["after"] = cursor
        try:
            response = RestClient(self._client_config()).request("GET", EVENTS_PATH, params=params)
        except (AuthError, requests.RequestException) as exc:
            raise UserError(
                _("Could not read the event feed of %(where)s: %(error)s", where=where, error=exc)
            ) from exc
        if response.status_code != 200:
            raise UserError(
                _(
                    "The event feed of %(where)s answered HTTP %(status)s.",
                    where=where,
                    status=response.status_code,
                )
            )
        try:
            page = response.json()
            events, next_cursor = page["events"], page["next_cursor"]
            if not isinstance(events, list) or not isinstance(next_cursor, str | int | None):
                raise TypeError
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(
                _(
                    "The event feed of %(where)s answered something else than "
                    '{"events": [...], "next_cursor": ...}: nothing was read, the cursor stays.',
                    where=where,
                )
            ) from exc
        return events, (str(next_cursor) if next_cursor is not None else cursor)

    # ------------------------------------------------------------------
    # Webhooks
    # ------------------------------------------------------------------
    @api.model
    def _wms_rest_webhook_backend(self, backend_id):
        """The active REST backend ``backend_id``, or an empty recordset."""
        backend = self.browse(backend_id).exists()
        if backend and backend.active and backend.kind == KIND:
            return backend
        return self.browse()

    def _wms_rest_receive(self, headers, body, content_type, too_large=False):
        """Check and record one webhook request; returns ``(HTTP status, answer dict)``.

        ``body`` is the raw bytes (at most the limit, plus one). The base's
        ``_webhook_read`` checks the size, the signature and timestamp, a
        replayed ``webhook-id``, the content type and the JSON; then the
        shape of the events here. Otherwise each event gets its own
        answer: ``accepted``, ``duplicate`` or ``rejected`` with the reason.
        The events are applied after commit.
        """
        self.ensure_one()
        backend = self.with_user(self.inbound_user_id).with_company(self.company_id)
        Inbound = backend.env["stock.sync.inbound"]
        try:
            webhook_id, document = self._webhook_read(headers, body, content_type, too_large)
        except WebhookAnswer as answer:
            return answer.status, answer.answer

        def refuse(status, error):
            Inbound._record_refusal(backend, error, body)
            return status, {"status": "rejected", "error": error}

        events = rest_adapters.expand(document)
        if not isinstance(events, list) or not events:
            return refuse(400, 'Send one event object, a list of events, or {"events": [...]}.')
        if len(events) > MAX_EVENTS:
            return refuse(413, f"More than {MAX_EVENTS} events in one request: split it.")
        answers = Inbound._record(backend, events, source="push", webhook_id=webhook_id)
        counts = {
            status: sum(1 for a in answers if a["status"] == status)
            for status in ("accepted", "duplicate", "rejected")
        }
        status = 422 if counts["rejected"] == len(answers) else 200
        return status, dict(counts, webhook_id=webhook_id, results=answers)
