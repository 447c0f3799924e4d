import datetime
import math
from typing import NamedTuple

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, str2bool

from ..services import http_transport, transport

CADENCES = [("realtime", "Real time"), ("batch", "Scheduled batch")]
CRITICALITY_KEYS = ("critical", "standard", "bulk")
# The endpoint's filters (many2many): their relation tables are part of the routing fingerprint.
ROUTING_RELATIONS = (
    "event_type_ids",
    "filter_company_ids",
    "warehouse_ids",
    "location_ids",
    "product_categ_ids",
)


def first_attempt_at(cadence, batch_interval, now):
    """Now for the real-time cadence; else the next multiple of ``batch_interval`` minutes."""
    if cadence == "realtime":
        return now
    interval = batch_interval * 60
    epoch = now.timestamp() if now.tzinfo else now.replace(tzinfo=datetime.UTC).timestamp()
    window = math.ceil(epoch / interval) * interval
    return datetime.datetime.fromtimestamp(window, datetime.UTC).replace(tzinfo=None)


class RoutingEntry(NamedTuple):
    """One active endpoint as fan-out sees it (cached between transactions: immutable)."""

    id: int
    rules: dict
    cadences: dict  # criticality -> cadence
    batch_interval: int
    created_at: object  # datetime (UTC, naive): it receives what was captured from then on

    def first_attempt_at(self, criticality, now):
        return first_attempt_at(self.cadences[criticality or "standard"], self.batch_interval, now)


class StockSyncEndpoint(models.Model):
    """A subscriber of inventory events, reached through a transport (signed HTTP by default)."""

    _name = "stock.sync.endpoint"
    _description = "Inventory Sync Endpoint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(
        default=True,
        tracking=True,
        help="An archived endpoint collects no new event. To stop sending for a while "
        "and lose nothing, pause it instead.",
    )
    paused = fields.Boolean(
        readonly=True,
        default=False,
        tracking=True,
        copy=False,
        help="A paused endpoint keeps collecting events and sends nothing until resumed.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        tracking=True,
        help="Leave empty to share the endpoint between companies.",
    )
    transport = fields.Selection(
        [("http", "HTTP webhook (Standard Webhooks)")],
        default="http",
        required=True,
        tracking=True,
        help="How batches travel. Every transport gets the same retries, order, "
        "dead letters and signatures; connector modules add transports.",
    )
    url = fields.Char(
        "URL",
        required=True,
        tracking=True,
        groups="stock_sync.group_stock_sync_manager",
        help="Where batches of events are POSTed, e.g. https://wms.example.com/odoo/events.",
    )
    secret_ids = fields.One2many(
        "stock.sync.endpoint.secret",
        "endpoint_id",
        "Secrets",
        context={"active_test": False},
        groups="stock_sync.group_stock_sync_manager",
    )
    timeout = fields.Float("Timeout (s)", default=10.0, required=True, tracking=True)
    batch_size = fields.Integer("Max Batch Size", default=100, required=True, tracking=True)
    max_attempts = fields.Integer(default=10, required=True, tracking=True)
    retry_base_seconds = fields.Float("First Retry After (s)", default=10.0, required=True)
    retry_max_seconds = fields.Float("Longest Retry Wait (s)", default=3600.0, required=True)
    # Filters: empty means everything.
    event_type_ids = fields.Many2many("stock.sync.event.type", string="Event Types")
    filter_company_ids = fields.Many2many("res.company", string="Companies")
    warehouse_ids = fields.Many2many("stock.warehouse", string="Warehouses")
    location_ids = fields.Many2many(
        "stock.location", string="Locations", help="Includes sub-locations."
    )
    product_categ_ids = fields.Many2many(
        "product.category", string="Product Categories", help="Includes sub-categories."
    )
    # Cadence per criticality class.
    cadence_critical = fields.Selection(CADENCES, default="realtime", required=True)
    cadence_standard = fields.Selection(CADENCES, default="realtime", required=True)
    cadence_bulk = fields.Selection(CADENCES, default="batch", required=True)
    batch_interval = fields.Integer(
        "Batch Every (min)",
        default=15,
        required=True,
        help="Scheduled batches leave on the next multiple of this many minutes.",
    )
    last_dead_alert_date = fields.Date(readonly=True, copy=False)
    last_problem_alert_date = fields.Date(readonly=True, copy=False)
    problem_streak = fields.Integer(
        readonly=True,
        default=0,
        copy=False,
        help="Batches refused in a row for a reason about the endpoint: the rest grows with it.",
    )
    paused_until = fields.Datetime(
        readonly=True,
        copy=False,
        help="After a failed batch the endpoint rests until its retry is due, "
        "instead of failing every queued event while the receiver is down.",
    )
    delivery_ids = fields.One2many("stock.sync.delivery", "endpoint_id", readonly=True)
    # KPIs over the last 24 hours, read live.
    kpi_backlog = fields.Integer("Backlog", compute="_compute_kpis")
    kpi_oldest_pending_minutes = fields.Float("Oldest Pending (min)", compute="_compute_kpis")
    kpi_dead = fields.Integer("Dead Letters", compute="_compute_kpis")
    kpi_parked = fields.Integer("Parked", compute="_compute_kpis")
    kpi_failure_rate = fields.Float("Failure Rate (%)", compute="_compute_kpis")
    kpi_latency_p50 = fields.Float("Latency p50 (s)", compute="_compute_kpis")
    kpi_latency_p95 = fields.Float("Latency p95 (s)", compute="_compute_kpis")

    _sql_constraints = [
        ("batch_size_positive", "CHECK(batch_size > 0)", "The batch size must be at least 1."),
        ("max_attempts_positive", "CHECK(max_attempts > 0)", "Allow at least one attempt."),
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be positive."),
        (
            "retry_delays_valid",
            "CHECK(retry_base_seconds > 0 AND retry_max_seconds >= retry_base_seconds)",
            "The first retry waits more than 0 s, and the longest wait is at least the first.",
        ),
        (
            "batch_interval_positive",
            "CHECK(batch_interval > 0)",
            "The batch interval must be positive.",
        ),
    ]

    @api.constrains("url", "transport")
    def _check_url(self):
        allow_local = self._allow_local_urls()
        for endpoint in self:
            error = transport.get(endpoint.transport).check_address(endpoint.url)
            if not error and endpoint.transport == "http":
                # Not this server nor its link (cloud metadata): the answer excerpt
                # of such a request would be readable by every sync user.
                error = http_transport.check_url(endpoint.url, allow_local=allow_local)
            if error:
                raise ValidationError(
                    _("%(error)s Example: https://wms.example.com/odoo/events", error=error)
                )

    @api.constrains("company_id", "filter_company_ids", "warehouse_ids", "location_ids")
    def _check_filter_companies(self):
        for endpoint in self:
            foreign = (
                endpoint.warehouse_ids.company_id | endpoint.location_ids.company_id
            ) - endpoint.company_id
            if endpoint.company_id and foreign:
                raise ValidationError(
                    _(
                        "Endpoint %(endpoint)s belongs to %(company)s: its warehouse and location "
                        "filters cannot name those of %(others)s.",
                        endpoint=endpoint.name,
                        company=endpoint.company_id.name,
                        others=", ".join(foreign.mapped("name")),
                    )
                )
            if endpoint.company_id and endpoint.filter_company_ids - endpoint.company_id:
                raise ValidationError(
                    _(
                        "Endpoint %(endpoint)s belongs to %(company)s and only receives its events: "
                        "leave its company filter empty, or empty its company to share it.",
                        endpoint=endpoint.name,
                        company=endpoint.company_id.name,
                    )
                )

    @api.model
    def _allow_local_urls(self):
        """May endpoints point at loopback, link-local or unspecified addresses?

        Only for tests and demos: ``stock_sync.allow_local_urls``, a system
        parameter only administrators set.
        """
        # sudo: managers may not read system parameters; they only learn a yes or no.
        param = self.env["ir.config_parameter"].sudo().get_param("stock_sync.allow_local_urls")
        return str2bool(param or "0", False)

    def write(self, vals):
        result = super().write(vals)
        if {"company_id", "filter_company_ids"} & set(vals):
            # Record rules judge a record before a write: check where it lands too,
            # so a manager cannot move an endpoint to companies they do not manage.
            self.check_access("write")
        if {"url", "active", "transport"} & set(vals):
            for endpoint in self:
                transport.get(endpoint.transport).forget(endpoint._transport_key())
        return result

    @api.depends("delivery_ids.state")
    @api.depends_context("uid", "allowed_company_ids")  # of the user's companies only
    def _compute_kpis(self):
        stats = self.env["stock.sync.kpi"]._endpoint_stats(self.ids) if self.ids else {}
        for endpoint in self:
            row = stats.get(endpoint.id, {})
            endpoint.kpi_backlog = row.get("backlog", 0)
            endpoint.kpi_oldest_pending_minutes = row.get("oldest_pending_minutes", 0.0)
            endpoint.kpi_dead = row.get("dead", 0)
            endpoint.kpi_parked = row.get("parked", 0)
            endpoint.kpi_failure_rate = row.get("failure_rate", 0.0)
            endpoint.kpi_latency_p50 = row.get("latency_p50", 0.0)
            endpoint.kpi_latency_p95 = row.get("latency_p95", 0.0)

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------
    def _routing_rules(self):
        """The endpoint's filters in a form cheap to test per event, and immutable.

        Locations and categories are kept as ``/id/`` markers, matched inside
        the ``/``-prefixed ``parent_path`` of an event's locations and
        category: a filter then still holds after a location is moved.
        """
        self.ensure_one()
        return {
            "types": frozenset(self.event_type_ids.mapped("code")),
            # An endpoint of a company only ever receives that company's events.
            "companies": frozenset(
                [self.company_id.id] if self.company_id else self.filter_company_ids.ids
            ),
            "warehouses": frozenset(self.warehouse_ids.ids),
            "locations": tuple(f"/{location_id}/" for location_id in self.location_ids.ids),
            "categories": tuple(f"/{categ_id}/" for categ_id in self.product_categ_ids.ids),
        }

    @staticmethod
    def _accepts(rules, facts):
        """Does an event with these routing ``facts`` pass the endpoint's filters?"""
        if rules["types"] and facts["type"] not in rules["types"]:
            return False
        if rules["companies"] and facts["company_id"] not in rules["companies"]:
            return False
        if rules["warehouses"] and not facts["warehouse_ids"] & rules["warehouses"]:
            return False
        if rules["locations"] and not any(
            marker in path for path in facts["location_paths"] for marker in rules["locations"]
        ):
            return False
        if rules["categories"] and not any(
            marker in facts["categ_path"] for marker in rules["categories"]
        ):
            return False
        return True

    def _routing_entries(self):
        """A :class:`RoutingEntry` per endpoint: what fan-out needs, without the records."""
        return tuple(
            RoutingEntry(
                endpoint.id,
                endpoint._routing_rules(),
                {criticality: endpoint._cadence(criticality) for criticality in CRITICALITY_KEYS},
                endpoint.batch_interval,
                endpoint.create_date,
            )
            for endpoint in self
        )

    @api.model
    def _routing_table(self, fingerprint=None):
        """The routing entries of every active endpoint: for the fan-out of each
        numbering, and for a replay.

        Cached per worker, keyed on a fingerprint of the endpoints and their
        filter tables read in the caller's transaction (one small statement,
        or a column of another one: see :meth:`_routing_fingerprint_sql`):
        any change to an endpoint, committed or made in this transaction, gives
        a new key, so nothing routes with filters its own snapshot does not
        show. Saves the six reads of endpoints and filters each would make.

        :param str fingerprint: what :meth:`_routing_fingerprint_sql` gave in
            this transaction, after the last change to an endpoint; read now
            if not given.
        """
        if fingerprint is None:
            self.env.cr.execute(SQL("SELECT %s", self._routing_fingerprint_sql()))
            (fingerprint,) = self.env.cr.fetchone()
        return self._routing_table_for(fingerprint)

    @api.model
    def _routing_fingerprint_sql(self):
        """An SQL expression (text) that changes with any endpoint or filter change.

        Flushes the endpoints first: pending changes of this transaction count.
        """
        self.flush_model()
        rels = [self._fields[name].relation for name in ROUTING_RELATIONS]
        return SQL(
            "concat_ws('|', (SELECT string_agg(concat_ws(':', id, active, write_date), ','"
            " ORDER BY id) FROM stock_sync_endpoint), %s)",
            SQL(", ").join(SQL("(SELECT count(*) FROM %s)", SQL.identifier(rel)) for rel in rels),
        )

    @api.model
    @tools.ormcache("fingerprint")
    def _routing_table_for(self, fingerprint):
        # sudo: routing covers every endpoint, whatever the acting user may read.
        return self.sudo().with_context(active_test=True).search([])._routing_entries()

    def _cadence(self, criticality):
        self.ensure_one()
        return self[f"cadence_{criticality or 'standard'}"]

    def _first_attempt_at(self, criticality, now):
        """Now for real-time classes; the next batch window for scheduled ones."""
        self.ensure_one()
        return first_attempt_at(self._cadence(criticality), self.batch_interval, now)

    def _active_secrets(self):
        """The endpoint's active signing secrets, newest first (the secrets' order).

        Read in SQL, once per batch: through the ORM (a new cursor's empty cache,
        the one2many, then every secret's fields) it cost 8 % of a dispatch lane's
        time. The dispatcher signs for every endpoint, whoever runs it; the
        secrets stay in this process.
        """
        self.ensure_one()
        self.env["stock.sync.endpoint.secret"].flush_model(["endpoint_id", "secret", "active"])
        self.env.cr.execute(
            "SELECT secret FROM stock_sync_endpoint_secret"
            " WHERE endpoint_id = %s AND active ORDER BY id DESC",
            (self.id,),
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _transport_key(self):
        """What transports pool connections by: one database may not reuse another's."""
        self.ensure_one()
        return (self.env.cr.dbname, self.id)

    # Rest after failures, in the dispatcher's cursor: one statement each.
    def _claim_state(self):
        """What a claim needs to know first, read in one statement.

        :returns: ``(now, resting, batch_size)``: the database's clock (UTC,
            naive, as Odoo stores datetimes), whether the endpoint is paused or
            resting at that time after failures, and its batch size. An
            endpoint deleted meanwhile rests (nothing is claimed for it).
        """
        self.ensure_one()
        self.env.cr.execute(
            """
            SELECT clock, COALESCE(paused, FALSE) OR COALESCE(paused_until > clock, FALSE),
                   batch_size
              FROM stock_sync_endpoint,
                   LATERAL (SELECT (clock_timestamp() AT TIME ZONE 'UTC')::timestamp AS clock) c
             WHERE id = %s
            """,
            (self.id,),
        )
        return self.env.cr.fetchone() or (None, True, 0)

    def _rest_until(self, until):
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE stock_sync_endpoint SET paused_until = %s WHERE id = %s", (until, self.id)
        )
        self.invalidate_recordset(["paused_until"])

    def _rest_after_problem(self, now):
        """Rest longer at each refusal in a row (no jitter: one endpoint, one timer)."""
        self.ensure_one()
        self.env.cr.execute(
            """
            UPDATE stock_sync_endpoint
               SET paused_until = %s + make_interval(secs => LEAST(
                       GREATEST(retry_max_seconds, retry_base_seconds),
                       retry_base_seconds * power(2, LEAST(COALESCE(problem_streak, 0), 30)))),
                   problem_streak = COALESCE(problem_streak, 0) + 1
             WHERE id = %s
         RETURNING paused_until
            """,
            (now, self.id),
        )
        self.invalidate_recordset(["paused_until", "problem_streak"])
        return self.env.cr.fetchone()[0]

    def _mark_healthy(self):
        self.ensure_one()
        self.env.cr.execute(
            "UPDATE stock_sync_endpoint SET problem_streak = 0 WHERE id = %s AND problem_streak <> 0",
            (self.id,),
        )
        self.invalidate_recordset(["problem_streak"])

    def _transport(self):
        """An instance of the endpoint's transport (``services/transport.Transport``)."""
        self.ensure_one()
        return transport.get(self.transport)()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_generate_secret(self):
        """Add a new active secret; the old ones stay active until archived."""
        for endpoint in self:
            endpoint.secret_ids = [
                fields.Command.create({"note": _("Generated by %s", self.env.user.name)})
            ]
            endpoint.message_post(body=_("A new signing secret was added."))
        return True

    def action_pause(self):
        """Keep collecting events, send nothing: a receiver's maintenance window."""
        self.write({"paused": True})
        return True

    def action_resume(self):
        self.write({"paused": False, "paused_until": False, "problem_streak": 0})
        self.env["stock.sync.dispatcher"]._wake_up()
        return True

    def action_archive(self):
        """Archive, and say what that drops: events from now on are not collected."""
        for endpoint in self.filtered("active"):
            waiting = self.env["stock.sync.delivery"].search_count(
                [("endpoint_id", "=", endpoint.id), ("state", "not in", ("delivered", "cancelled"))]
            )
            endpoint.message_post(
                body=_(
                    "Archived by %(user)s: from now on no inventory event is collected for "
                    "this endpoint, so its subscriber will miss them (a replay can send them "
                    "later). %(waiting)s deliveries already queued wait until it is restored. "
                    "To stop sending without missing anything, pause it instead.",
                    user=self.env.user.name,
                    waiting=waiting,
                )
            )
        return super().action_archive()

    def action_open_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_sync.action_stock_sync_delivery"
        )
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {"search_default_group_state": 1}
        return action

    def _alert_managers(self, kind, detail):
        """Tell the managers what happened: once per endpoint, kind and day.

        ``kind`` is ``"problem"`` (the receiver refuses the endpoint: events wait)
        or ``"dead"`` (deliveries gave up); the two kinds alert independently, so a
        dead letter after an endpoint problem still raises its own alert.
        ``detail`` says what the receiver answered.
        """
        today = fields.Date.context_today(self)
        all_managers = self.env.ref("stock_sync.group_stock_sync_manager").users.filtered(
            lambda u: u.active and not u.share and u.id != self.env.ref("base.user_root").id
        )
        date_field = f"last_{kind}_alert_date"
        for endpoint in self.filtered(lambda e: e[date_field] != today):
            # Only those who may see the endpoint's company hear of it (shared: all).
            managers = all_managers.filtered(
                lambda u, company=endpoint.company_id: not company or company in u.company_ids
            )
            endpoint[date_field] = today
            if kind == "problem":
                summary = _("%s refuses our requests", endpoint.name)
                note = _(
                    "The receiver refuses every batch, whatever the events: %(detail)s "
                    "Check the endpoint's URL, its secrets (the receiver must know an active "
                    "one) and the receiver's clock. Events wait, no attempt is counted, and "
                    "they leave by themselves once the receiver accepts them again.",
                    detail=detail,
                )
            else:
                summary = _("Dead inventory events to %s", endpoint.name)
                note = _(
                    "Some deliveries gave up: %(detail)s Open the exception queue, fix the "
                    "cause, then retry or cancel them; later events of the same products wait.",
                    detail=detail,
                )
            for user in managers:
                endpoint.activity_schedule(
                    "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
                )
