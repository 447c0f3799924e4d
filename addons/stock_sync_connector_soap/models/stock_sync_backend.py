import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import file_open

from odoo.addons.stock_sync.services import http_transport, webhook_signature

from ..services import mes_events, soap_client, soap_push
from ..services.soap_client import MesError

KIND = "mes_soap"
PUSH_PATH = "/inventory_sync/mes/%s/soap"
WSDL_PATH = "stock_sync_connector_soap/static/wsdl/confirmations.wsdl"


class StockSyncBackend(models.Model):
    """An MES over SOAP: its WSDL for outbound calls and polling, Odoo's SOAP door inbound."""

    _inherit = "stock.sync.backend"

    kind = fields.Selection(selection_add=[(KIND, "MES over SOAP")], ondelete={KIND: "cascade"})
    soap_address = fields.Char(
        "Service Address",
        help="The MES's SOAP endpoint, when it differs from the WSDL's soap:address "
        "(a WSDL published with an internal host name). Empty: the WSDL's.",
    )
    mes_push_url = fields.Char(
        "Push URL (SOAP)",
        compute="_compute_mes_push_url",
        help="Where the MES sends SubmitConfirmations (its WSDL: this URL + ?wsdl), signed "
        "with the webhook secret (Standard Webhooks headers).",
    )

    def _compute_mes_push_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.mes_push_url = (
                f"{base}{PUSH_PATH % backend.id}" if backend.kind == KIND and backend.id else False
            )

    @api.constrains("soap_address")
    def _check_soap_address(self):
        for backend in self.filtered("soap_address"):
            error = http_transport.check_url(backend.soap_address)
            if error:
                raise UserError(_("%(backend)s: %(error)s", backend=backend.name, error=error))

    def _mes_client(self):
        """The zeep client of this backend (WSDL read once per process); raises MesError."""
        self.ensure_one()
        return soap_client.client_for(self._client_config(), self.soap_address or None)

    # ------------------------------------------------------------------
    # Kind hooks (see stock_sync_connector's stock.sync.backend)
    # ------------------------------------------------------------------
    def _mes_soap_test_connection(self):
        """Read and parse the WSDL, then call ``Ping`` authenticated; say what worked."""
        where = http_transport._where(self.base_url)
        started = time.monotonic()
        soap_client.forget((self.env.cr.dbname, self.id), self.base_url)
        try:
            client = self._mes_client()
        except MesError as exc:
            return False, _("WSDL at %(where)s: %(error)s", where=where, error=exc)
        parsed = _("WSDL parsed (%(count)s operations)", count=len(client.operations))
        try:
            client.call("Ping")
        except MesError as exc:
            if exc.endpoint_problem and exc.status in (401, 403):
                return False, _(
                    "%(parsed)s; the MES was reached but refused the credentials: %(error)s",
                    parsed=parsed,
                    error=exc,
                )
            return False, _("%(parsed)s; Ping failed: %(error)s", parsed=parsed, error=exc)
        return True, _(
            "%(parsed)s; reached %(where)s and authenticated (Ping answered in %(ms)d ms).",
            parsed=parsed,
            where=where,
            ms=(time.monotonic() - started) * 1000,
        )

    def _mes_soap_fetch_changes(self, cursor, limit):
        """One page of the MES's confirmations after ``cursor``: ``(confirmations, next cursor)``.

        ``GetConfirmations(After, Limit)`` answers ``{Confirmations, NextCursor}``.
        Raises ``UserError`` when the MES cannot be read or answers something
        else: nothing is recorded, the cursor stays.
        """
        try:
            page = self._mes_client().call("GetConfirmations", After=cursor or None, Limit=limit)
            container = page.Confirmations
            items = [] if container is None else list(container.Confirmation or [])
            next_cursor = page.NextCursor
        except MesError as exc:
            raise UserError(
                _("GetConfirmations of %(backend)s failed: %(error)s", backend=self.name, error=exc)
            ) from exc
        except AttributeError as exc:
            raise UserError(
                _(
                    "GetConfirmations of %(backend)s answered something else than "
                    "{Confirmations, NextCursor}: nothing was read, the cursor stays.",
                    backend=self.name,
                )
            ) from exc
        return [mes_events.plain(item) for item in items], (
            str(next_cursor) if next_cursor not in (None, "") else cursor
        )

    def _mes_soap_to_canonical(self, raw):
        return mes_events.to_canonical(raw)

    # ------------------------------------------------------------------
    # Push: SubmitConfirmations
    # ------------------------------------------------------------------
    @api.model
    def _mes_soap_push_backend(self, backend_id):
        """The active MES backend ``backend_id``, or an empty recordset."""
        backend = self.browse(backend_id).exists()
        if backend and backend.active and backend.kind == KIND:
            return backend
        return self.browse()

    def _mes_soap_wsdl(self):
        """Odoo's WSDL for this backend's MES (bytes), its address this backend's push URL."""
        self.ensure_one()
        with file_open(WSDL_PATH, "rb") as wsdl:
            return wsdl.read().replace(b"__ADDRESS__", self.mes_push_url.encode())

    def _mes_soap_receive(self, headers, body, too_large=False):
        """Check and record one ``SubmitConfirmations`` request: ``(HTTP status, XML bytes)``.

        In order: the size (413), the Standard Webhooks signature and
        timestamp (401), a replayed ``webhook-id`` (every confirmation
        answered ``duplicate``, nothing recorded again), the envelope (a
        ``soap:Client`` fault, HTTP 500). A request refused as a whole is
        logged as a rejected inbound event. Otherwise each confirmation is
        recorded and answered ``accepted``, ``duplicate`` or ``rejected``
        with the reason, and applied after commit.
        """
        self.ensure_one()
        backend = self.with_user(self.inbound_user_id).with_company(self.company_id)
        Inbound = backend.env["stock.sync.inbound"]

        def refuse(status, error):
            Inbound._record_refusal(backend, error, body)
            return status, soap_push.fault(error)

        if too_large:
            return refuse(
                413,
                f"The body is larger than {self.max_body_kb} KiB: send fewer confirmations "
                "per request.",
            )
        # sudo: the webhook secret is a manager-only field; it never leaves this check.
        secret = self.sudo().webhook_secret
        if not secret:
            return refuse(401, "This backend has no webhook secret: generate one in Odoo.")
        try:
            webhook_id = webhook_signature.verify([secret], headers, body)
        except (webhook_signature.SignatureError, ValueError) as exc:
            return refuse(401, f"Signature refused: {exc}")
        try:
            confirmations = soap_push.read_confirmations(body)
        except soap_push.PushError as exc:
            return refuse(500, str(exc))
        if Inbound._webhook_seen(backend, webhook_id):
            return 200, soap_push.answer(
                [
                    {
                        "id": c["Id"],
                        "status": "duplicate",
                        "error": "This webhook-id was already received: nothing is applied again.",
                    }
                    for c in confirmations
                ]
            )
        results = Inbound._record(backend, confirmations, source="push", webhook_id=webhook_id)
        return 200, soap_push.answer(results)
