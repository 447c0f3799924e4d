from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.bulk_insert import insert_rows
from .stock_sync_event import CRITICALITIES, OPERATIONS

STATES = [
    ("pending", "Pending"),
    ("in_flight", "In Flight"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("dead", "Dead"),
    ("parked", "Parked"),
    ("cancelled", "Cancelled"),
]
ERROR_CLASSES = [
    ("timeout", "Timeout"),
    ("connection", "Connection"),
    ("http_4xx", "HTTP 4xx"),
    ("http_5xx", "HTTP 5xx"),
    ("invalid_response", "Invalid Response"),
    ("config", "Configuration"),
]
# States a person may send again; in-flight work belongs to a dispatcher.
REQUEUABLE = ("failed", "dead", "parked", "cancelled", "delivered")
CANCELLABLE = ("failed", "dead", "parked")


class StockSyncDelivery(models.Model):
    """One event on its way to one endpoint: the unit of retry and of the exception queue."""

    _name = "stock.sync.delivery"
    _description = "Inventory Event Delivery"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _mail_post_access = "read"  # sync users comment on deliveries they cannot edit

    event_id = fields.Many2one(
        # indexed by the unique (event_id, endpoint_id) constraint
        "stock.sync.event",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    endpoint_id = fields.Many2one(
        "stock.sync.endpoint", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, ondelete="set null", index=True)
    partition_key = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    criticality = fields.Selection(CRITICALITIES, readonly=True)
    operation = fields.Selection(OPERATIONS, readonly=True)
    event_type = fields.Char(readonly=True)
    event_time = fields.Datetime("Occurred At", readonly=True)
    event_uuid = fields.Char(related="event_id.event_uuid", string="Event ID")
    reference = fields.Char(related="event_id.reference")
    state = fields.Selection(
        STATES, default="pending", required=True, readonly=True, index=True, tracking=True
    )
    attempts = fields.Integer(readonly=True, default=0)
    send_alone = fields.Boolean(
        readonly=True,
        help="Sent in a batch of its own, after its batch was refused, "
        "so that one bad event does not take its neighbours down with it.",
    )
    next_attempt_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    lease_until = fields.Datetime(
        readonly=True, help="An in-flight delivery returns to the queue after this."
    )
    claim_token = fields.Char(readonly=True, copy=False)
    last_attempt_at = fields.Datetime(readonly=True)
    status_code = fields.Integer("HTTP Status", readonly=True)
    error_class = fields.Selection(ERROR_CLASSES, readonly=True)
    error_message = fields.Char(readonly=True)
    response_excerpt = fields.Text(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    latency_ms = fields.Float(
        "Latency (ms)",
        readonly=True,
        aggregator="avg",
        help="From the movement to the receiver's acknowledgement.",
    )
    cancel_reason = fields.Text(readonly=True)
    payload_pretty = fields.Text(related="event_id.payload_pretty", string="Payload")

    _sql_constraints = [
        (
            "event_endpoint_unique",
            "unique(event_id, endpoint_id)",
            "An event is delivered once per endpoint.",
        ),
    ]

    def init(self):
        # The dispatcher's two hot questions: what is due, and what comes
        # earlier in the same key. Partial indexes keep them small.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_due_idx
                ON stock_sync_delivery (endpoint_id, event_id)
             WHERE state IN ('pending', 'failed', 'in_flight');
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_key_idx
                ON stock_sync_delivery (endpoint_id, partition_key, sequence)
             WHERE state NOT IN ('delivered', 'cancelled');
        """)

    @api.depends("event_uuid", "endpoint_id")
    def _compute_display_name(self):
        for delivery in self:
            what = delivery.event_id.reference or delivery.event_uuid
            delivery.display_name = f"{delivery.endpoint_id.name} / {what}"

    # ------------------------------------------------------------------
    # Fan-out, in the stock transaction
    # ------------------------------------------------------------------
    @api.model
    def _fan_out(self, events, endpoints=None):
        """Create one pending delivery per event (records) and matching endpoint."""
        rows = [
            {
                "id": event.id,
                "type": event.type,
                "aggregateid": event.aggregateid,
                "sequence": event.sequence,
                "timestamp": event.timestamp,
                "company_id": event.company_id.id,
                "product_id": event.product_id.id or None,
                "operation": event.operation,
                "criticality": event.criticality,
            }
            for event in events
        ]
        return self._fan_out_rows(rows, [event._routing_facts_of() for event in events], endpoints)

    @api.model
    def _fan_out_rows(self, events, facts, endpoints=None):
        """Insert the deliveries of freshly written events (plain rows), in one statement."""
        if endpoints is None:
            endpoints = self.env["stock.sync.endpoint"].search([])
        if not endpoints or not events:
            return self.browse()
        now = fields.Datetime.now()
        rules = [(endpoint, endpoint._routing_rules()) for endpoint in endpoints]
        rows = []
        realtime = False
        for event, event_facts in zip(events, facts, strict=True):
            for endpoint, endpoint_rules in rules:
                if not endpoint._accepts(endpoint_rules, event_facts):
                    continue
                first_attempt = endpoint._first_attempt_at(event["criticality"], now)
                realtime = realtime or first_attempt <= now
                rows.append(
                    {
                        "event_id": event["id"],
                        "endpoint_id": endpoint.id,
                        "company_id": event["company_id"],
                        "product_id": event["product_id"],
                        "partition_key": event["aggregateid"],
                        "sequence": event["sequence"],
                        "criticality": event["criticality"],
                        "operation": event["operation"],
                        "event_type": event["type"],
                        "event_time": event["timestamp"],
                        "next_attempt_at": first_attempt,
                        "state": "pending",
                        "attempts": 0,
                        "send_alone": False,
                    }
                )
        ids = insert_rows(self.env.cr, self._table, rows, self.env.uid)
        if realtime:
            self.env["stock.sync.dispatcher"]._wake_up()
        return self.browse(ids)

    # ------------------------------------------------------------------
    # Exception queue actions
    # ------------------------------------------------------------------
    def _check_states(self, allowed, action):
        wrong = self.filtered(lambda d: d.state not in allowed)
        if wrong:
            states = dict(self._fields["state"].selection)
            raise UserError(
                _(
                    "%(count)s of the selected deliveries cannot be %(action)s: they are %(states)s. "
                    "Pending and in-flight deliveries belong to a dispatcher; wait for their result.",
                    count=len(wrong),
                    action=action,
                    states=", ".join(sorted({states[d.state] for d in wrong})),
                )
            )

    def action_requeue(self):
        """Send the selection again, in order, as soon as a dispatcher is free."""
        self._check_states(REQUEUABLE, _("queued again"))
        # sudo: sync users cannot write deliveries field by field; this action,
        # checked above, is what they may do. Tracking still names them.
        self.sudo().write(
            {
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": fields.Datetime.now(),
                "lease_until": False,
                "cancel_reason": False,
            }
        )
        for delivery in self:
            delivery.message_post(body=_("Queued again by %s.", self.env.user.name))
        self._release_followers()
        self.endpoint_id.sudo().write({"paused_until": False})  # sudo: users cannot edit endpoints
        self.env["stock.sync.dispatcher"]._wake_up()
        return True

    def action_retry_now(self):
        return self.action_requeue()

    def _cancel(self, reason):
        if not (reason or "").strip():
            raise UserError(
                _("Say why these deliveries are cancelled: the reason stays in their history.")
            )
        self._check_states(CANCELLABLE, _("cancelled"))
        # sudo: as in action_requeue, the checked action writes for the user.
        self.sudo().write({"state": "cancelled", "cancel_reason": reason, "lease_until": False})
        for delivery in self:
            delivery.message_post(
                body=_("Cancelled by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            )
        self._release_followers()
        self.env["stock.sync.dispatcher"]._wake_up()
        return True

    @api.ondelete(at_uninstall=False)
    def _unlink_only_finished(self):
        """Deleting a waiting delivery would lose its event for that endpoint."""
        if any(d.state not in ("delivered", "cancelled") for d in self):
            raise UserError(
                _(
                    "Only delivered or cancelled deliveries can be deleted: cancel the others first, with a reason."
                )
            )

    def _release_followers(self):
        """Parked deliveries behind these go back to the queue, still in key order.

        If another dead delivery is still in front of them, the dispatcher parks
        them again: release is safe to over-apply.
        """
        if not self:
            return
        self.flush_model()
        self.env.cr.execute(
            """
            UPDATE stock_sync_delivery f
               SET state = 'pending', next_attempt_at = (now() at time zone 'UTC')
              FROM stock_sync_delivery d
             WHERE d.id = ANY(%s)
               AND f.endpoint_id = d.endpoint_id
               AND f.partition_key = d.partition_key
               AND f.sequence > d.sequence
               AND f.state = 'parked'
            """,
            (self.ids,),
        )
        self.invalidate_model(["state", "next_attempt_at"])

    def action_open_event(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.sync.event",
            "res_id": self.event_id.id,
            "view_mode": "form",
        }
