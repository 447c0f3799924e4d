from odoo import _, fields, models
from odoo.exceptions import UserError


class StockSyncReplay(models.TransientModel):
    """Send a time range of past events to one endpoint: a new subscriber's backfill."""

    _name = "stock.sync.replay"
    _description = "Replay Inventory Events"

    endpoint_id = fields.Many2one(
        "stock.sync.endpoint",
        required=True,
        context={"active_test": False},
        default=lambda self: self.env.context.get("default_endpoint_id"),
    )
    date_from = fields.Datetime("From", required=True)
    date_to = fields.Datetime("To", required=True, default=fields.Datetime.now)
    include_delivered = fields.Boolean(
        "Send Delivered Events Again", help="Also resend events this endpoint already acknowledged."
    )

    def action_replay(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("The replay starts after it ends: set 'From' before 'To'."))
        # An archived endpoint may be replayed to: the deliveries wait until it
        # is restored, so a new subscriber gets its backfill before live events.
        endpoint = self.endpoint_id
        events = self.env["stock.sync.event"].search(
            [("timestamp", ">=", self.date_from), ("timestamp", "<=", self.date_to)], order="id"
        )
        rules = endpoint._routing_rules()
        events = events.filtered(lambda event: endpoint._accepts(rules, event._routing_facts_of()))
        if not events:
            raise UserError(
                _(
                    "No event between %(start)s and %(end)s matches the filters of %(endpoint)s. "
                    "Widen the range or check the endpoint's filters.",
                    start=self.date_from,
                    end=self.date_to,
                    endpoint=endpoint.name,
                )
            )
        deliveries = self.env["stock.sync.delivery"]
        existing = deliveries.search(
            [("endpoint_id", "=", endpoint.id), ("event_id", "in", events.ids)]
        )
        created = deliveries._fan_out(events - existing.event_id, endpoints=endpoint)
        resent = (
            existing.filtered(lambda d: d.state in ("delivered", "cancelled"))
            if self.include_delivered
            else deliveries
        )
        if resent:
            resent.action_requeue()
        endpoint.message_post(
            body=_(
                "%(user)s replayed %(new)s new and %(again)s delivered events from %(start)s to %(end)s.",
                user=self.env.user.name,
                new=len(created),
                again=len(resent),
                start=self.date_from,
                end=self.date_to,
            )
        )
        return endpoint.action_open_deliveries()
