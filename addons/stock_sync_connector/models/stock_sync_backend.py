import hashlib
import json
import logging
from collections import defaultdict
from contextlib import contextmanager

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.stock_sync.services import http_transport, webhook_signature

from ..services import backend_config
from ..services.webhook_request import JSON_TYPES, WebhookAnswer

# The cursor-cache key of the cross-references :meth:`StockSyncBackend._xref_batch` found.
XREF_MEMO = "stock_sync_connector.xref_batch"
# The event-data fields that name a cross-reference, and its model.
XREF_FIELDS = {
    "sku": "stock.sync.xref.product",
    "location": "stock.sync.xref.location",
    "location_to": "stock.sync.xref.location",
    "unit": "stock.sync.xref.uom",
}

_logger = logging.getLogger(__name__)

MANAGER = "stock_sync.group_stock_sync_manager"


class StockSyncBackend(models.Model):
    """An external system (WMS, MES) that Odoo sends events to and receives events from.

    Protocol modules add their ``kind`` with ``selection_add`` and implement
    the kind's hooks as methods named ``_<kind>_<hook>``:

    * ``_<kind>_test_connection()`` -> ``(ok, message)``;
    * ``_<kind>_fetch_changes(cursor, limit)`` -> ``(raw events, next cursor)``;
    * ``_<kind>_to_canonical(raw)`` -> a canonical event dict
      (``services/inbound_event``), for pushed and pulled events alike.
    """

    _name = "stock.sync.backend"
    _description = "Inventory Sync Backend (external WMS or MES)"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        [], required=True, tracking=True, help="The protocol: one module per kind adds it."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        help="The warehouses this system serves. Empty: every warehouse of the company.",
    )
    base_url = fields.Char(
        "Base URL", required=True, tracking=True, help="e.g. https://wms.example.com"
    )
    # Authentication: the secrets are manager-only fields.
    auth_type = fields.Selection(
        [
            (backend_config.NONE, "None"),
            (backend_config.API_KEY, "API key header"),
            (backend_config.BASIC, "HTTP basic"),
            (backend_config.OAUTH2, "OAuth2 client credentials"),
        ],
        default=backend_config.API_KEY,
        required=True,
        tracking=True,
    )
    api_key_header = fields.Char(default="X-API-Key")
    api_key = fields.Char("API Key", groups=MANAGER, copy=False)
    username = fields.Char(groups=MANAGER, copy=False)
    password = fields.Char(groups=MANAGER, copy=False)
    oauth_token_url = fields.Char("Token URL", groups=MANAGER)
    oauth_client_id = fields.Char("Client ID", groups=MANAGER, copy=False)
    oauth_client_secret = fields.Char("Client Secret", groups=MANAGER, copy=False)
    oauth_scope = fields.Char("Scope", groups=MANAGER)
    webhook_secret = fields.Char(
        groups=MANAGER,
        copy=False,
        default=lambda self: webhook_signature.generate_secret(),
        help="Standard Webhooks secret ('whsec_...') the system signs its webhooks with.",
    )
    connect_timeout = fields.Float("Connect Timeout (s)", default=5.0, required=True)
    read_timeout = fields.Float("Read Timeout (s)", default=15.0, required=True)
    rate_limit = fields.Float(
        "Rate Limit (req/s)", default=10.0, help="Per Odoo process; 0 means no limit."
    )
    max_body_kb = fields.Integer(
        "Max Webhook Body (KiB)", default=256, required=True, help="Larger bodies are refused."
    )
    # System of record.
    sor_location_ids = fields.Many2many(
        "stock.location",
        string="Owned Locations",
        help="Locations (and their sub-locations) where this system's quantities win.",
    )
    sor_policy = fields.Selection(
        [("flag", "Flag Odoo-side moves"), ("refuse", "Refuse Odoo-side moves")],
        "Moves Into Owned Locations",
        default="flag",
        required=True,
        tracking=True,
    )
    # Inbound.
    inbound_user_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.ref(
            "stock_sync_connector.user_connector_inbound", raise_if_not_found=False
        ),
        help="The technical user inbound events are applied as (least privilege).",
    )
    alert_user_id = fields.Many2one(
        "res.users",
        "Warehouse Team Contact",
        default=lambda self: self.env.user,
        help="Gets an activity when an inbound event is held for investigation.",
    )
    poll_enabled = fields.Boolean("Poll for Changes", tracking=True)
    poll_interval = fields.Integer("Poll Every (min)", default=5)
    poll_page_size = fields.Integer("Page Size", default=100)
    poll_cursor = fields.Char(
        "Cursor", copy=False, help="Where the next poll starts; advanced only after commit."
    )
    poll_cron_id = fields.Many2one("ir.cron", "Polling Action", readonly=True, copy=False)
    last_test_ok = fields.Boolean(readonly=True, copy=False)
    last_test_result = fields.Text(readonly=True, copy=False)
    inbound_ids = fields.One2many("stock.sync.inbound", "backend_id")
    inbound_count = fields.Integer(compute="_compute_counts")
    waiting_count = fields.Integer(compute="_compute_counts")
    xref_product_count = fields.Integer(compute="_compute_counts")
    xref_uom_count = fields.Integer(compute="_compute_counts")
    xref_location_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "timeouts_positive",
            "CHECK(connect_timeout > 0 AND read_timeout > 0)",
            "Timeouts must be positive.",
        ),
        ("rate_limit_positive", "CHECK(rate_limit >= 0)", "The rate limit cannot be negative."),
        ("max_body_positive", "CHECK(max_body_kb > 0)", "The body limit must be positive."),
    ]

    @api.constrains("base_url")
    def _check_base_url(self):
        for backend in self:
            error = http_transport.check_url(backend.base_url)
            if error:
                raise ValidationError(
                    _("%(backend)s: %(error)s", backend=backend.name, error=error)
                )

    @api.constrains("company_id", "warehouse_ids", "sor_location_ids")
    def _check_companies(self):
        for backend in self:
            foreign = (
                backend.warehouse_ids.company_id | backend.sor_location_ids.company_id
            ) - backend.company_id
            if foreign:
                raise ValidationError(
                    _(
                        "Backend %(backend)s serves %(company)s: its warehouses and owned "
                        "locations cannot be those of %(others)s.",
                        backend=backend.name,
                        company=backend.company_id.name,
                        others=", ".join(foreign.mapped("name")),
                    )
                )

    def _compute_counts(self):
        def count(model, domain=()):
            groups = self.env[model]._read_group(
                [("backend_id", "in", self.ids), *domain], ["backend_id"], ["__count"]
            )
            return {backend.id: n for backend, n in groups}

        inbound = count("stock.sync.inbound")
        waiting = count(
            "stock.sync.inbound", [("state", "in", ("waiting_mapping", "held_negative", "error"))]
        )
        products = count("stock.sync.xref.product")
        uoms = count("stock.sync.xref.uom")
        locations = count("stock.sync.xref.location")
        for backend in self:
            backend.inbound_count = inbound.get(backend.id, 0)
            backend.waiting_count = waiting.get(backend.id, 0)
            backend.xref_product_count = products.get(backend.id, 0)
            backend.xref_uom_count = uoms.get(backend.id, 0)
            backend.xref_location_count = locations.get(backend.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._sync_poll_cron()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if {"poll_enabled", "poll_interval", "active", "name"} & set(vals):
            self._sync_poll_cron()
        return result

    def unlink(self):
        crons = self.poll_cron_id
        result = super().unlink()
        # sudo: polling actions are ir.cron records, which only administrators may delete.
        crons.sudo().unlink()
        return result

    # ------------------------------------------------------------------
    # Kind hooks
    # ------------------------------------------------------------------
    def _kind_call(self, hook, *args):
        """Call ``_<kind>_<hook>``; a kind without it is a configuration error."""
        self.ensure_one()
        method = getattr(self, f"_{self.kind}_{hook}", None)
        if method is None:
            raise UserError(
                _("Backends of kind %(kind)s cannot %(hook)s.", kind=self.kind, hook=hook)
            )
        return method(*args)

    def _to_canonical(self, raw):
        """The canonical event (``services/inbound_event``) for what the system sent."""
        self.ensure_one()
        method = getattr(self, f"_{self.kind}_to_canonical", None)
        return method(raw) if method else raw

    def _client_config(self):
        """The backend's settings and secrets as plain data (``BackendConfig``).

        For the process that talks to the system; never shown to a user.
        """
        self.ensure_one()
        # sudo: secrets are manager-only fields; the dispatcher and crons read them to
        # authenticate, they never leave this process.
        backend = self.sudo()
        auth = backend_config.AuthConfig(
            kind=backend.auth_type,
            header=backend.api_key_header,
            api_key=backend.api_key,
            username=backend.username,
            password=backend.password,
            token_url=backend.oauth_token_url,
            client_id=backend.oauth_client_id,
            client_secret=backend.oauth_client_secret,
            scope=backend.oauth_scope,
        )
        base_url = backend.base_url.rstrip("/")
        # Pools and tokens are kept per version of the settings: a change never reuses them.
        version = hashlib.sha256(repr((base_url, auth)).encode()).hexdigest()[:16]
        return backend_config.BackendConfig(
            key=(self.env.cr.dbname, backend.id, version),
            name=backend.name,
            base_url=base_url,
            auth=auth,
            connect_timeout=backend.connect_timeout,
            read_timeout=backend.read_timeout,
            rate_limit=backend.rate_limit,
        )

    def _transport_context(self):
        """Settings, secrets and cross-references, for an outbound transport (plain data)."""
        self.ensure_one()
        # sudo: the dispatcher maps events of every company it sends for.
        backend = self.sudo()
        domain = [("backend_id", "=", backend.id)]
        by_uom = {}
        for xref in backend.env["stock.sync.xref.uom"].search(domain, order="id"):
            # One external unit per Odoo unit outbound: the first with factor 1 wins.
            current = by_uom.get(xref.uom_id)
            if current is None or (xref.factor == 1 and current[1] != 1):
                by_uom[xref.uom_id] = (xref.external_code, xref.factor)
        products = backend.env["stock.sync.xref.product"].search(domain)
        return backend_config.TransportContext(
            config=self._client_config(),
            skus={x.product_id.id: x.external_code for x in products},
            locations={
                x.location_id.id: x.external_code
                for x in backend.env["stock.sync.xref.location"].search(domain)
            },
            units={
                x.product_id.id: by_uom[x.product_id.uom_id]
                for x in products
                if x.product_id.uom_id in by_uom
            },
        )

    # ------------------------------------------------------------------
    # Cross-references: never guess
    # ------------------------------------------------------------------
    def _xref(self, model, code):
        self.ensure_one()
        memo = self.env.cr.cache.get(XREF_MEMO)
        key = (model, self.id, self.env.uid, code)
        if memo and key in memo:
            # Prefetched with the block's other cross-references of the model: what they
            # point to (products, locations) is then read in one query, not one per event.
            return self.env[model].browse(memo[key]).with_prefetch(memo.get(model, ()))
        return self.env[model].search(
            [("backend_id", "=", self.id), ("external_code", "=", code)], limit=1
        )

    @contextmanager
    def _xref_batch(self, events):
        """Within the block, :meth:`_xref` answers the codes ``events`` name (their
        ``sku``, ``location``, ``location_to``, ``unit``, also in ``lines``) from one
        search per cross-reference model instead of one per code and event.

        Only for the block, in this transaction, whose own events do not edit
        cross-references: nothing is kept after it.
        """
        self.ensure_one()
        wanted = defaultdict(set)
        for event in events:
            data = event.data if isinstance(event.data, dict) else {}
            for item in [data, *(data.get("lines") or [])]:
                for field, model in XREF_FIELDS.items():
                    code = item.get(field) if isinstance(item, dict) else None
                    if code and isinstance(code, str):
                        wanted[model].add(code)
        memo = {}
        for model, codes in wanted.items():
            memo.update(dict.fromkeys(((model, self.id, self.env.uid, c) for c in codes), False))
            xrefs = self.env[model].search(
                [("backend_id", "=", self.id), ("external_code", "in", list(codes))]
            )
            for xref in xrefs:
                memo[(model, self.id, self.env.uid, xref.external_code)] = xref.id
            memo[model] = tuple(xrefs.ids)
        self.env.cr.cache[XREF_MEMO] = memo
        try:
            yield
        finally:
            self.env.cr.cache.pop(XREF_MEMO, None)

    # ------------------------------------------------------------------
    # System of record
    # ------------------------------------------------------------------
    @api.model
    def _owner_of(self, locations):
        """{location id: backend} for those of ``locations`` an active backend owns."""
        # sudo: the owning backend decides whether a stock user's move is allowed;
        # stock users may not read backends.
        backends = self.sudo().search([("sor_location_ids", "!=", False)])
        owners = {}
        for backend in backends:
            paths = tuple(backend.sor_location_ids.mapped("parent_path"))
            for location in locations:
                if location.parent_path and location.parent_path.startswith(paths):
                    owners.setdefault(location.id, backend)
        return owners

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_test_connection(self):
        """Reach the system and authenticate; the result is kept on the backend and shown."""
        self.ensure_one()
        try:
            ok, message = self._kind_call("test_connection")
        except UserError as exc:
            ok, message = False, str(exc)
        self.write({"last_test_ok": ok, "last_test_result": message})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Connection to %s", self.name),
                "message": message,
                "type": "success" if ok else "danger",
                "sticky": not ok,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_generate_webhook_secret(self):
        """Replace the webhook secret: give the new one to the system."""
        for backend in self:
            backend.webhook_secret = webhook_signature.generate_secret()
            backend.message_post(body=_("A new webhook secret was generated."))
        return True

    def action_poll_now(self):
        self.ensure_one()
        pages = self._poll()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Polled %s", self.name),
                "message": _("%(pages)s page(s) read.", pages=pages),
                "type": "info",
            },
        }

    def _open(self, xmlid, domain_field="backend_id", context=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [(domain_field, "=", self.id)]
        action["context"] = dict(context or {}, default_backend_id=self.id)
        return action

    def action_open_inbound(self):
        return self._open("stock_sync_connector.action_stock_sync_inbound")

    def action_open_waiting(self):
        action = self.action_open_inbound()
        action["context"]["search_default_filter_attention"] = 1
        return action

    def action_open_xref_product(self):
        return self._open("stock_sync_connector.action_stock_sync_xref_product")

    def action_open_xref_uom(self):
        return self._open("stock_sync_connector.action_stock_sync_xref_uom")

    def action_open_xref_location(self):
        return self._open("stock_sync_connector.action_stock_sync_xref_location")

    # ------------------------------------------------------------------
    # Signed webhooks: the door every protocol module shares
    # ------------------------------------------------------------------
    def _webhook_read(self, headers, body, content_type, too_large=False, json_types=JSON_TYPES):
        """Check one signed webhook request; return ``(webhook_id, document)``.

        In order: the size, the Standard Webhooks signature and timestamp
        (5 minutes), a replayed ``webhook-id`` (answered ``duplicate``, nothing
        recorded again), the content type, the JSON. A request refused as a
        whole is logged as a rejected inbound event, as the backend's inbound
        user.

        :param dict headers: the request's headers.
        :param bytes body: the raw body (``services.webhook_request.read_body``).
        :param str content_type: the request's mimetype.
        :param bool too_large: the body exceeds ``max_body_kb``.
        :returns: ``(str webhook_id, the decoded JSON document)``.
        :raises WebhookAnswer: the HTTP status and JSON answer to send back
            (401, 413, 415, 400 refused; 200 for a replay).
        """
        self.ensure_one()
        backend = self.with_user(self.inbound_user_id).with_company(self.company_id)
        Inbound = backend.env["stock.sync.inbound"]

        def refuse(status, error):
            Inbound._record_refusal(backend, error, body)
            return WebhookAnswer(status, {"status": "rejected", "error": error})

        if too_large:
            raise refuse(
                413,
                f"The body is larger than {self.max_body_kb} KiB: send fewer events per request.",
            )
        # sudo: the webhook secret is a manager-only field; it never leaves this check.
        secret = self.sudo().webhook_secret
        if not secret:
            raise refuse(401, "This backend has no webhook secret: generate one in Odoo.")
        try:
            webhook_id = webhook_signature.verify([secret], headers, body)
        except (webhook_signature.SignatureError, ValueError) as exc:
            raise refuse(401, f"Signature refused: {exc}") from None
        if Inbound._webhook_seen(backend, webhook_id):
            raise WebhookAnswer(
                200,
                {
                    "status": "duplicate",
                    "webhook_id": webhook_id,
                    "detail": "This webhook-id was already received: nothing is applied again.",
                },
            )
        if content_type not in json_types:
            raise refuse(415, f"Content type {content_type or 'none'}: send application/json.")
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise refuse(400, f"Malformed JSON: {exc}.") from None
        return webhook_id, document

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------
    def _sync_poll_cron(self):
        """One scheduled action per polling backend, active while polling is on."""
        for backend in self:
            backend._sync_scheduled_action(
                "poll_cron_id",
                _("Inventory Sync: poll %s", backend.name),
                "_cron_poll",
                active=backend.active and backend.poll_enabled,
                interval=(max(backend.poll_interval, 1), "minutes"),
            )

    def _sync_scheduled_action(self, cron_field, name, method, active, interval):
        """Keep the backend's scheduled action in ``cron_field`` in step with its settings.

        The action calls ``model.<method>(<backend id>)`` every ``interval``
        (number, unit) while ``active``; it is created when first wanted.
        """
        self.ensure_one()
        number, unit = interval
        values = {"name": name, "active": active, "interval_number": number, "interval_type": unit}
        # sudo: scheduled actions are administrator records; managers switch them on
        # and off through the backend.
        Cron = self.env["ir.cron"].sudo()
        if self[cron_field]:
            self[cron_field].sudo().write(values)
        elif active:
            self[cron_field] = Cron.create(
                dict(
                    values,
                    model_id=self.env["ir.model"]._get_id(self._name),
                    state="code",
                    code=f"model.{method}({self.id})",
                )
            )

    @api.model
    def _cron_poll(self, backend_id):
        backend = self.browse(backend_id).exists()
        if backend and backend.active and backend.poll_enabled:
            backend._poll()

    def _poll(self, max_pages=50):
        """Read changes since the cursor, page by page, through the inbound path.

        Each page is recorded and its cursor stored in one transaction of its
        own: the cursor advances only when the page's events are committed. A
        failure stops at the page that failed; the next run starts there.
        Returns the number of pages recorded.
        """
        self.ensure_one()
        pages = 0
        cursor = self.poll_cursor
        for _page in range(max_pages):
            try:
                raw_events, next_cursor = self._kind_call(
                    "fetch_changes", cursor, self.poll_page_size
                )
            except UserError as exc:
                _logger.warning("Inventory Sync: polling %s failed: %s", self.name, exc)
                self.message_post(body=_("Polling failed: %s", exc))
                break
            if not raw_events and next_cursor == cursor:
                break
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr)
                backend = self.with_env(env)
                env["stock.sync.inbound"]._record(backend, raw_events, source="pull")
                backend.poll_cursor = next_cursor
            pages += 1
            cursor = next_cursor
            if len(raw_events) < self.poll_page_size:
                break
        self.invalidate_recordset(["poll_cursor"])
        return pages
