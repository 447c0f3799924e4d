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

    _chunk_size = 1000  # events read, filtered and queued at a time

    def action_replay(self):
        """Queue the range's events for the endpoint, a chunk of events at a time.

        New deliveries are created for events the endpoint never had; with
        *Send Delivered Events Again*, delivered and cancelled ones are queued
        again. One note on the endpoint says who replayed what.
        """
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("The replay starts after it ends: set 'From' before 'To'."))
        # An archived endpoint may be replayed to: the deliveries wait until it
        # is restored, so a new subscriber gets its backfill before live events.
        endpoint = self.endpoint_id
        # Only who may change the endpoint may fill its queue (shared endpoints).
        endpoint.check_access("write")
        rules = endpoint._routing_rules()
        Event, Delivery = self.env["stock.sync.event"], self.env["stock.sync.delivery"]
        # Numbered events: one still waiting for its number (a second or so)
        # is fanned out as it is numbered, to this endpoint too if it matches.
        domain = [
            ("timestamp", ">=", self.date_from),
            ("timestamp", "<=", self.date_to),
            ("sequence", "!=", False),
        ]
        matched = created = resent = 0
        last_id = 0
        while True:
            events = Event.search(
                domain + [("id", ">", last_id)], order="id", limit=self._chunk_size
            )
            if not events:
                break
            last_id = events[-1].id
            events = events.filtered(
                lambda event: endpoint._accepts(rules, event._routing_facts_of())
            )
            matched += len(events)
            existing = Delivery.search(
                [("endpoint_id", "=", endpoint.id), ("event_id", "in", events.ids)]
            )
            created += Delivery._fan_out(events - existing.event_id, endpoints=endpoint)
            if self.include_delivered:
                again = existing.filtered(lambda d: d.state in ("delivered", "cancelled"))
                again._requeue()
                resent += len(again)
            # Keep memory flat over a long range: nothing of this chunk is needed again.
            events.invalidate_recordset()
            existing.invalidate_recordset()
        if not matched:
            raise UserError(
                _(
                    "No event between %(start)s and %(end)s matches the filters of %(endpoint)s. "
                    "Widen the range or check the endpoint's filters.",
                    start=self.date_from,
                    end=self.date_to,
                    endpoint=endpoint.name,
                )
            )
        endpoint.message_post(
            body=_(
                "%(user)s replayed %(new)s new and %(again)s delivered events from %(start)s to %(end)s.",
                user=self.env.user.name,
                new=created,
                again=resent,
                start=self.date_from,
                end=self.date_to,
            )
        )
        if resent:
            endpoint.sudo().write({"paused_until": False})
        self.env["stock.sync.dispatcher"]._wake_up()
        return endpoint.action_open_deliveries()
