import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.stock_quality_hold.models.stock_quant import QUALITY_MANAGER
from odoo.addons.stock_sync.services import http_transport
from odoo.addons.stock_sync_connector.services import backend_config
from odoo.addons.stock_sync_connector.services.webhook_request import WebhookAnswer

from ..services import disposition as lab

KIND = "lims"
WEBHOOK_PATH = "/inventory_sync/lims/%s/dispositions"
PING_PATH = "/api/v1/ping"
DISPOSITIONS_PATH = "/api/v1/dispositions"
LIMS_USER = "stock_quality_hold_lims.user_lims_inbound"
DEFAULT_MAX_BODY_KB = 4096


class StockSyncBackend(models.Model):
    """A LIMS: signed dispositions pushed to a webhook, or polled from its API."""

    _inherit = "stock.sync.backend"

    kind = fields.Selection(selection_add=[(KIND, "LIMS (lab)")], ondelete={KIND: "cascade"})
    lims_webhook_url = fields.Char(
        "Disposition Webhook URL",
        compute="_compute_lims_webhook_url",
        help="Where the LIMS POSTs its dispositions, signed with the webhook secret "
        "(Standard Webhooks).",
    )
    lims_max_pdf_kb = fields.Integer(
        "Max Certificate PDF (KiB)",
        default=2048,
        required=True,
        help="A disposition whose certificate PDF is larger is refused.",
    )
    lims_endpoint_id = fields.Many2one(
        "stock.sync.endpoint",
        "Awaiting-Test Endpoint",
        help="The outbox endpoint that sends 'lot awaiting test' events to this LIMS.",
    )
    lims_disposition_ids = fields.One2many("stock.quality.lims.disposition", "backend_id")
    lims_disposition_count = fields.Integer(compute="_compute_lims_disposition_count")

    _sql_constraints = [
        ("lims_max_pdf_positive", "CHECK(lims_max_pdf_kb > 0)", "The PDF limit must be positive.")
    ]

    @api.model_create_multi
    def create(self, vals_list):
        lims_user = self.env.ref(LIMS_USER, raise_if_not_found=False)
        for vals in vals_list:
            if vals.get("kind") != KIND:
                continue
            if "inbound_user_id" not in vals and lims_user:
                vals["inbound_user_id"] = lims_user.id
            # A disposition may carry its certificate PDF (base64): room for the default 2 MiB.
            vals.setdefault("max_body_kb", DEFAULT_MAX_BODY_KB)
        return super().create(vals_list)

    @api.onchange("kind")
    def _onchange_kind_lims(self):
        if self.kind == KIND:
            self.inbound_user_id = self.env.ref(LIMS_USER, raise_if_not_found=False)

    @api.constrains("kind", "inbound_user_id")
    def _check_lims_inbound_user(self):
        for backend in self.filtered(lambda b: b.kind == KIND):
            # sudo: whether the technical user holds the right, whoever edits the backend.
            if not backend.inbound_user_id.sudo().has_group(QUALITY_MANAGER):
                raise ValidationError(
                    _(
                        "LIMS %(backend)s applies lab decisions as %(user)s, who is no Quality "
                        "Manager: releases and rejections would fail. Choose the user "
                        "'Inventory Sync LIMS', or give %(user)s the Quality Manager right.",
                        backend=backend.name,
                        user=backend.inbound_user_id.name,
                    )
                )

    def _compute_lims_webhook_url(self):
        # sudo: any reader of the backend may see the URL; stock users may not read parameters.
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.lims_webhook_url = (
                f"{base}{WEBHOOK_PATH % backend.id}"
                if backend.kind == KIND and backend.id
                else False
            )

    def _compute_lims_disposition_count(self):
        groups = self.env["stock.quality.lims.disposition"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
        )
        counts = {backend.id: n for backend, n in groups}
        for backend in self:
            backend.lims_disposition_count = counts.get(backend.id, 0)

    def action_open_lims_dispositions(self):
        return self._open("stock_quality_hold_lims.action_stock_quality_lims_disposition")

    # ------------------------------------------------------------------
    # Kind hooks (see stock_sync_connector's stock.sync.backend)
    # ------------------------------------------------------------------
    def _lims_client(self):
        # The REST module's pooled client is not a dependency: one plain session call
        # with the backend's authentication and timeouts is enough for a ping and a page.
        config = self._client_config()
        session = requests.Session()
        headers = dict(backend_config.auth_headers(session, config), Accept="application/json")
        return config, session, headers

    def _lims_test_connection(self):
        """GET the LIMS's ping resource, authenticated."""
        config, session, headers = self._lims_client()
        where = http_transport._where(self.base_url)
        try:
            with session:
                response = session.get(
                    f"{config.base_url}{PING_PATH}",
                    headers=headers,
                    timeout=config.timeout,
                    allow_redirects=False,
                )
        except requests.RequestException as exc:
            return False, _(
                "Could not reach %(where)s: %(cause)s.",
                where=where,
                cause=http_transport._describe(exc, self.base_url),
            )
        if 200 <= response.status_code < 300:
            return True, _("Reached %(where)s (HTTP %(s)s).", where=where, s=response.status_code)
        return False, _(
            "Reached %(where)s, but %(path)s answered HTTP %(status)s.",
            where=where,
            path=PING_PATH,
            status=response.status_code,
        )

    def _lims_fetch_changes(self, cursor, limit):
        """One page of the LIMS's dispositions after ``cursor``: ``(dispositions, next cursor)``.

        ``GET /api/v1/dispositions?after=<cursor>&limit=<n>`` answers
        ``{"dispositions": [...], "next_cursor": "..."}``. Raises ``UserError``
        when the LIMS cannot be read or answers something else.
        """
        config, session, headers = self._lims_client()
        where = http_transport._where(self.base_url)
        params = {"limit": limit}
        if cursor:
            params["after"] = cursor
        try:
            with session:
                response = session.get(
                    f"{config.base_url}{DISPOSITIONS_PATH}",
                    params=params,
                    headers=headers,
                    timeout=config.timeout,
                    allow_redirects=False,
                )
            page = response.json() if response.status_code == 200 else None
            items, next_cursor = page["dispositions"], page["next_cursor"]
            if not isinstance(items, list):
                raise TypeError
        except requests.RequestException as exc:
            raise UserError(
                _("Could not read the dispositions of %(where)s: %(error)s", where=where, error=exc)
            ) from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(
                _(
                    "The dispositions of %(where)s could not be read (HTTP %(status)s, or not "
                    '{"dispositions": [...], "next_cursor": ...}): the cursor stays.',
                    where=where,
                    status=response.status_code,
                )
            ) from exc
        return items, (str(next_cursor) if next_cursor is not None else cursor)

    # ------------------------------------------------------------------
    # Webhook
    # ------------------------------------------------------------------
    @api.model
    def _lims_webhook_backend(self, backend_id):
        """The active LIMS backend ``backend_id``, or an empty recordset."""
        backend = self.browse(backend_id).exists()
        if backend and backend.active and backend.kind == KIND:
            return backend
        return self.browse()

    def _lims_receive(self, headers, body, content_type, too_large=False):
        """Check, record and apply one signed disposition request: ``(HTTP status, answer)``.

        The base's ``_webhook_read`` checks the size, the Standard Webhooks
        signature and timestamp, a replayed ``webhook-id``, the content type
        and the JSON; then each disposition is answered on its own
        (``stock.sync.inbound._lims_record_one``). 422 when every disposition
        was rejected, 200 otherwise.
        """
        self.ensure_one()
        backend = self.with_user(self.inbound_user_id).with_company(self.company_id)
        Inbound = backend.env["stock.sync.inbound"]
        try:
            webhook_id, document = self._webhook_read(headers, body, content_type, too_large)
            try:
                items = lab.expand(document)
            except lab.DispositionError as exc:
                Inbound._record_refusal(backend, str(exc), body)
                raise WebhookAnswer(400, {"status": "rejected", "error": str(exc)}) from None
            if not items or len(items) > lab.MAX_DISPOSITIONS:
                error = f"Send 1 to {lab.MAX_DISPOSITIONS} dispositions per request."
                Inbound._record_refusal(backend, error, body)
                raise WebhookAnswer(400, {"status": "rejected", "error": error})
        except WebhookAnswer as answer:
            return answer.status, answer.answer
        answers = Inbound._record(backend, items, source="push", webhook_id=webhook_id)
        counts = {
            status: sum(1 for a in answers if a["status"] == status)
            for status in ("accepted", "duplicate", "waiting", "rejected")
        }
        status = 422 if counts["rejected"] == len(answers) else 200
        return status, dict(counts, webhook_id=webhook_id, results=answers)
