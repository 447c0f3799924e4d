"""The inbound log: every event an external system sent, and what became of it.

States (one place writes them: :meth:`StockSyncInbound._set_state`)::

    received ──apply──▶ done
       │ ├──▶ waiting_mapping ──(the mapping is created)──▶ received
       │ ├──▶ held_negative   ──(Retry, after investigation)─▶ received
       │ ├──▶ rejected        (the event itself is wrong: never applied)
       │ └──▶ error           ──(Retry)──▶ received
    duplicate  (an event id already recorded: kept for the record, never applied)

Recording is fast and happens in the sender's request; applying happens
after commit, in the ``Inventory Sync: apply inbound events`` cron, each
event in a savepoint of its own, as the backend's inbound user: an event is
applied completely or not at all.
"""

import json
import logging
from contextlib import contextmanager

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

from ..services import inbound_event
from ..services.inbound_event import InboundEventError

_logger = logging.getLogger(__name__)

RECEIVED = "received"
DONE = "done"
DUPLICATE = "duplicate"
WAITING_MAPPING = "waiting_mapping"
HELD_NEGATIVE = "held_negative"
REJECTED = "rejected"
ERROR = "error"
STATES = [
    (RECEIVED, "Received"),
    (DONE, "Done"),
    (DUPLICATE, "Duplicate"),
    (WAITING_MAPPING, "Waiting for Mapping"),
    (HELD_NEGATIVE, "Held: Negative Stock"),
    (REJECTED, "Rejected"),
    (ERROR, "Error"),
]
RETRYABLE = (WAITING_MAPPING, HELD_NEGATIVE, ERROR)
# The answers a sender gets, per event.
ACCEPTED = "accepted"
PAYLOAD_EXCERPT = 4000
# The cursor-cache key of the event ids :meth:`StockSyncInbound._dedup_batch` found unrecorded.
DEDUP_MEMO = "stock_sync_connector.dedup_batch"


class MissingMapping(Exception):
    """A reference has no cross-reference: the event waits for it, nothing is guessed."""

    def __init__(self, what, code):
        super().__init__(what)
        self.what, self.code = what, code


class HeldNegative(Exception):
    """Applying the event would drive on-hand below zero."""


class Rejected(Exception):
    """The event is wrong in itself (a done transfer, another company...): never applied."""


class StockSyncInbound(models.Model):
    _name = "stock.sync.inbound"
    _description = "Inbound Inventory Event"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "external_id"

    backend_id = fields.Many2one(
        "stock.sync.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    external_id = fields.Char("Event ID", required=True, index=True, readonly=True)
    dedup_key = fields.Char(
        readonly=True, copy=False, help="The event id, for events that count for deduplication."
    )
    webhook_id = fields.Char("Webhook ID", index=True, readonly=True)
    source = fields.Selection(
        [("push", "Webhook"), ("pull", "Polling")], required=True, readonly=True
    )
    event_type = fields.Selection(
        [(t, t.replace("_", " ").capitalize()) for t in inbound_event.EVENT_TYPES],
        readonly=True,
    )
    event_time = fields.Datetime(readonly=True, help="When it happened in the external system.")
    sequence = fields.Integer("External Sequence", readonly=True)
    state = fields.Selection(
        STATES, default=RECEIVED, required=True, index=True, readonly=True, tracking=True
    )
    error = fields.Text(readonly=True)
    missing_mapping = fields.Char(
        readonly=True, help="The cross-reference to create: the event is reprocessed then."
    )
    payload = fields.Text(readonly=True, help="What the system sent (JSON).")
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    picking_ids = fields.Many2many("stock.picking", string="Transfers", readonly=True)
    move_ids = fields.Many2many("stock.move", string="Stock Moves", readonly=True)
    duplicate_of_id = fields.Many2one("stock.sync.inbound", readonly=True, index="btree_not_null")
    applied_at = fields.Datetime(readonly=True)
    attempts = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "dedup_key_unique",
            "UNIQUE(backend_id, dedup_key)",
            "This event id was already received from this backend.",
        )
    ]

    # ------------------------------------------------------------------
    # Recording (the sender is waiting: keep it short)
    # ------------------------------------------------------------------
    @api.model
    def _record(self, backend, raw_events, source="push", webhook_id=None):
        """Record events of ``backend`` and say, per event, what the sender should hear.

        ``raw_events`` are dicts as the system sent them; the backend's kind
        turns each into a canonical event (``services/inbound_event``).
        Returns ``[{"id", "status": accepted|duplicate|rejected, "error"?}]`` in
        the same order. Accepted events are applied after commit by the apply cron.
        """
        # No "created" note nor follower per event: the log is high-volume, its
        # record says it all (the sender is waiting; this was most of its wait).
        inbound = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        answers = []
        for raw in raw_events:
            answers.append(inbound._record_one(backend, raw, source, webhook_id))
        if any(answer["status"] == ACCEPTED for answer in answers):
            self._trigger_apply()
        return answers

    def _record_one(self, backend, raw, source, webhook_id):
        return self._record_event(backend, raw, source, webhook_id)[0]

    def _record_event(self, backend, raw, source, webhook_id, in_savepoint=False):
        """Record one event; ``(answer, record, event)``.

        ``record`` is the accepted inbound record and ``event`` the parsed
        canonical event (both ``None`` unless accepted): a caller that applies
        at once hands ``event`` to :meth:`_apply_safely` (or to :meth:`_apply_now`,
        in the savepoint that recorded it) instead of reading the record back
        and parsing its payload again.

        ``in_savepoint``: the caller already runs this in a savepoint of its own
        and, on ``UniqueViolation`` (the same event recorded a moment ago by
        another transaction), calls again, which then records a duplicate: no
        savepoint of this method's own.
        """
        payload = json.dumps(raw, ensure_ascii=False, sort_keys=True)
        values = {
            "backend_id": backend.id,
            "source": source,
            "webhook_id": webhook_id,
            "payload": payload,
        }
        try:
            event = inbound_event.parse(backend._to_canonical(raw), self._event_checks())
        except InboundEventError as exc:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            record = self.create(
                dict(
                    values,
                    external_id=str(raw_id or _("(no id)"))[: inbound_event.MAX_ID_LENGTH],
                    state=REJECTED,
                    error=str(exc),
                    payload=payload[:PAYLOAD_EXCERPT],
                )
            )
            _logger.info("Inventory Sync: inbound event rejected (%s): %s", backend.name, exc)
            return {"id": record.external_id, "status": REJECTED, "error": str(exc)}, None, None
        values.update(
            external_id=event.id,
            event_type=event.type,
            event_time=event.time,
            sequence=event.sequence,
        )
        original = self._original(backend, event.id)
        if not original and in_savepoint:
            record = self.create(dict(values, dedup_key=event.id))
            return {"id": event.id, "status": ACCEPTED}, record, event
        if not original:
            try:
                with self.env.cr.savepoint():
                    record = self.create(dict(values, dedup_key=event.id))
                return {"id": event.id, "status": ACCEPTED}, record, event
            except pg_errors.UniqueViolation:
                # Another request recorded the same event a moment ago.
                original = self._original(backend, event.id)
        self.create(dict(values, state=DUPLICATE, duplicate_of_id=original.id))
        return {"id": event.id, "status": DUPLICATE}, None, None

    @api.model
    def _event_checks(self):
        """``{event type: check(data) -> checked data}`` of the event types applied here.

        A module adding event types extends this dict, adds the types to
        ``event_type`` (``selection_add``) and implements ``_apply_<type>``.
        """
        return dict(inbound_event.CHECKS)

    def _original(self, backend, event_id):
        memo = self.env.cr.cache.get(DEDUP_MEMO)
        key = (backend.id, self.env.uid, event_id)
        if memo and key in memo:
            # Unrecorded when the batch began; one look only: a later look (the
            # same id again in the batch, a unique violation) searches.
            memo.discard(key)
            return self.browse()
        return self.search([("backend_id", "=", backend.id), ("dedup_key", "=", event_id)], limit=1)

    @contextmanager
    def _dedup_batch(self, backend, event_ids):
        """Within the block, the first :meth:`_original` of each of ``event_ids``
        that none is recorded yet is answered from one search for them all,
        instead of one search per event.

        Only for one block of one transaction that records these events: an
        event recorded meanwhile by another transaction still fails the unique
        constraint, and is then looked for again (see :meth:`_record_event`).
        """
        ids = {str(event_id) for event_id in event_ids if event_id}
        recorded = set()
        if ids:
            recorded = set(
                self.search(
                    [("backend_id", "=", backend.id), ("dedup_key", "in", list(ids))]
                ).mapped("dedup_key")
            )
        self.env.cr.cache[DEDUP_MEMO] = {
            (backend.id, self.env.uid, event_id) for event_id in ids - recorded
        }
        try:
            yield
        finally:
            self.env.cr.cache.pop(DEDUP_MEMO, None)

    @api.model
    def _webhook_seen(self, backend, webhook_id):
        """Was a message with this ``webhook-id`` already received from ``backend``?"""
        return bool(
            self.search_count(
                [("backend_id", "=", backend.id), ("webhook_id", "=", webhook_id)], limit=1
            )
        )

    @api.model
    def _record_refusal(self, backend, reason, body, webhook_id=None):
        """Log a whole request refused before its events were read (bad signature, JSON...)."""
        return self.create(
            {
                "backend_id": backend.id,
                "source": "push",
                "external_id": _("(request refused)"),
                "webhook_id": webhook_id,
                "state": REJECTED,
                "error": reason,
                "payload": (body or b"")[:PAYLOAD_EXCERPT].decode("utf-8", "replace"),
            }
        )

    def _trigger_apply(self):
        # sudo: scheduled actions are administrator records; anyone who records an
        # inbound event may ask for it to be applied.
        self.env.ref("stock_sync_connector.ir_cron_inbound_apply").sudo()._trigger()

    @api.model
    def _reprocess_waiting(self, backends):
        """Put the events of ``backends`` waiting for a mapping back in line."""
        # sudo: whoever adds a mapping releases every event waiting for one, also
        # those of records they may not read.
        waiting = self.sudo().search(
            [("backend_id", "in", backends.ids), ("state", "=", WAITING_MAPPING)]
        )
        if waiting:
            waiting._set_state(RECEIVED)
            self._trigger_apply()

    # ------------------------------------------------------------------
    # Applying (after commit, in the cron)
    # ------------------------------------------------------------------
    @api.model
    def _cron_apply(self, limit=200):
        """Apply received events, oldest first; each all or nothing."""
        records = self.search([("state", "=", RECEIVED)], order="id", limit=limit)
        for record in records:
            record._apply_safely()
        if len(records) == limit:
            self._trigger_apply()
        return len(records)

    def _apply_safely(self, event=None):
        """Apply one event in a savepoint and record the outcome; never raises.

        ``event``: this record's event already parsed (see :meth:`_record_event`),
        else it is parsed from the stored payload.
        """
        self.ensure_one()
        values = {"attempts": self.attempts + 1}
        try:
            with self.env.cr.savepoint():
                self._apply_now(event, values)
        except Exception as exc:  # noqa: BLE001 - recorded on the event, never lost
            self._record_failure(exc, values)

    def _apply_now(self, event, values):
        """Apply this event and write it done with ``values``, in the caller's savepoint.

        Raises what the application raised (:meth:`_apply`); the caller rolls
        its savepoint back and records the failure (:meth:`_record_failure`).
        """
        self.ensure_one()
        backend = self.backend_id
        runner = self.with_user(backend.inbound_user_id).with_company(backend.company_id)
        runner = runner.with_context(stock_sync_connector_backend_id=backend.id)
        pickings, moves = runner._apply() if event is None else runner._apply_event(event)
        # Inside the savepoint: written with what the application wrote on this
        # record (product, location) in one UPDATE when it is flushed.
        self._set_done(pickings, moves, values)

    def _record_failure(self, exc, values):
        """Record why applying failed (``exc``; its savepoint was rolled back).

        In a savepoint of its own: when recording the reason fails in turn
        (the alert of a held event, say), the event is still written in error,
        with what happened; only a database that refuses even that raises.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._set_failed(exc, values)
        except Exception as failure:  # noqa: BLE001 - the event must still get its outcome
            _logger.exception(
                "Inventory Sync: the outcome of inbound event %s could not be recorded",
                self.external_id,
            )
            with self.env.cr.savepoint():
                self._set_state(
                    ERROR,
                    error=_(
                        "Not applied (%(cause)s), and an unexpected %(error)s happened while "
                        "recording why: see the server log, then Retry.",
                        cause=exc.__class__.__name__,
                        error=failure.__class__.__name__,
                    ),
                    **values,
                )

    def _set_failed(self, exc, values):
        """Write the state that ``exc``, raised while applying, calls for."""
        if isinstance(exc, MissingMapping):
            self._set_state(
                WAITING_MAPPING,
                error=_("No mapping for %(what)s: add it, the event is then applied.", what=exc),
                missing_mapping=str(exc),
                **values,
            )
        elif isinstance(exc, HeldNegative):
            self._set_state(HELD_NEGATIVE, error=str(exc), **values)
            self._alert_warehouse_team(str(exc))
        elif isinstance(exc, Rejected):
            self._set_state(REJECTED, error=str(exc), **values)
        elif isinstance(exc, (UserError, ValidationError, AccessError, InboundEventError)):
            self._set_state(ERROR, error=str(exc), **values)
        else:
            _logger.error("Inventory Sync: inbound event %s failed", self.external_id, exc_info=exc)
            self._set_state(
                ERROR,
                error=_(
                    "Unexpected %(error)s: see the server log, then Retry.",
                    error=exc.__class__.__name__,
                ),
                **values,
            )

    def _set_done(self, pickings, moves, values):
        # Done is final and a failed attempt linked nothing (rolled back): only
        # what this application produced is linked, and nothing when it is nothing.
        if pickings:
            values = dict(values, picking_ids=[fields.Command.set(pickings.ids)])
        if moves:
            values = dict(values, move_ids=[fields.Command.set(moves.ids)])
        self._set_state(
            DONE,
            error=False,
            missing_mapping=False,
            applied_at=fields.Datetime.now(),
            **values,
        )

    def _set_state(self, state, **values):
        """The one place that moves inbound events between states.

        An event applied (done) is not tracked in the chatter: its record says
        when and what it produced; the other states, which people work, are.
        """
        records = self.with_context(tracking_disable=True) if state == DONE else self
        records.write(dict(values, state=state))

    def _alert_warehouse_team(self, reason):
        for record in self:
            user = record.backend_id.alert_user_id or self.env.user
            if record.activity_ids.filtered(lambda a, u=user: a.user_id == u):
                continue
            record.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Inbound event held: negative stock"),
                note=_(
                    "%(reason)s Nothing was applied. Investigate the stock in both systems, "
                    "correct it, then press Retry on the event.",
                    reason=reason,
                ),
                user_id=user.id,
            )

    def _apply(self):
        """Apply this event as stock operations; returns ``(pickings, moves)`` produced.

        Raises MissingMapping, HeldNegative, Rejected, or Odoo's own errors.
        """
        self.ensure_one()
        raw = json.loads(self.payload)
        event = inbound_event.parse(self.backend_id._to_canonical(raw), self._event_checks())
        return self._apply_event(event)

    def _apply_event(self, event):
        """Apply this record's parsed canonical ``event``; as :meth:`_apply`."""
        self.ensure_one()
        return getattr(self, f"_apply_{event.type}")(event)

    # -- references, through the cross-references only --------------------
    def _product(self, sku):
        xref = self.backend_id._xref("stock.sync.xref.product", sku)
        if not xref:
            raise MissingMapping(_("external SKU %r", sku), sku)
        return xref.product_id

    def _location(self, code):
        backend = self.backend_id
        xref = backend._xref("stock.sync.xref.location", code)
        if not xref:
            raise MissingMapping(_("external location %r", code), code)
        location = xref.location_id
        if location.company_id != backend.company_id:
            raise Rejected(
                _(
                    "Location %(location)s belongs to another company than the backend's.",
                    location=location.display_name,
                )
            )
        if backend.warehouse_ids and location.warehouse_id not in backend.warehouse_ids:
            raise Rejected(
                _(
                    "Location %(location)s is in a warehouse this backend does not serve.",
                    location=location.display_name,
                )
            )
        return location

    def _quantity(self, product, quantity, unit):
        """``quantity`` of external ``unit`` in the product's unit."""
        if not unit:
            return quantity
        xref = self.backend_id._xref("stock.sync.xref.uom", unit)
        if not xref:
            raise MissingMapping(_("external unit %r", unit), unit)
        if xref.uom_id.category_id != product.uom_id.category_id:
            raise Rejected(
                _(
                    "Unit %(unit)s maps to %(uom)s (%(category)s), but %(product)s is counted "
                    "in %(product_uom)s (%(product_category)s): fix the unit mapping.",
                    unit=unit,
                    uom=xref.uom_id.name,
                    category=xref.uom_id.category_id.name,
                    product=product.display_name,
                    product_uom=product.uom_id.name,
                    product_category=product.uom_id.category_id.name,
                )
            )
        return xref.uom_id._compute_quantity(quantity * xref.factor, product.uom_id)

    def _lot(self, product, name, create=False):
        if product.tracking == "none":
            return self.env["stock.lot"]
        if not name:
            raise Rejected(
                _("%s is tracked by lot or serial: the event must name one.", product.display_name)
            )
        Lot = self.env["stock.lot"]
        lot = Lot.search([("product_id", "=", product.id), ("name", "=", name)], limit=1)
        if not lot and create:
            lot = Lot.create(
                {
                    "product_id": product.id,
                    "name": name,
                    "company_id": self.backend_id.company_id.id,
                }
            )
        return lot

    def _on_hand(self, product, location, lot=None):
        domain = [("product_id", "=", product.id), ("location_id", "child_of", location.id)]
        if lot:
            domain.append(("lot_id", "=", lot.id))
        return sum(self.env["stock.quant"].search(domain).mapped("quantity"))

    def _check_not_negative(self, product, location, after):
        if float_compare(after, 0, precision_rounding=product.uom_id.rounding) < 0:
            raise HeldNegative(
                _(
                    "Applying it would leave %(qty)s %(uom)s of %(product)s in %(location)s.",
                    qty=after,
                    uom=product.uom_id.name,
                    product=product.display_name,
                    location=location.display_name,
                )
            )

    def _origin(self):
        return f"{self.backend_id.name}: {self.external_id}"

    # -- the event types ----------------------------------------------------
    def _apply_adjustment(self, event):
        return self._set_level(event, delta=True)

    def _apply_count(self, event):
        return self._set_level(event, delta=False)

    def _set_level(self, event, delta):
        """An inventory adjustment to the counted level, or by the delta."""
        data = event.data
        product = self._product(data["sku"])
        location = self._location(data["location"])
        quantity = self._quantity(product, data["quantity"], data["unit"])
        if not delta and self.event_time:
            newer = self.search(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("event_type", "=", inbound_event.COUNT),
                    ("state", "=", DONE),
                    ("product_id", "=", product.id),
                    ("location_id", "=", location.id),
                    ("event_time", ">", self.event_time),
                ],
                limit=1,
            )
            if newer:
                raise Rejected(
                    _(
                        "Out of order: count %(newer)s, taken later (%(time)s), is already "
                        "applied; this older count would undo it.",
                        newer=newer.external_id,
                        time=newer.event_time,
                    )
                )
        lot = self._lot(product, data["lot"], create=True)
        on_hand = self._on_hand(product, location, lot)
        target = on_hand + quantity if delta else quantity
        self._check_not_negative(product, location, target)
        Move = self.env["stock.move"]
        # Written last (a failure rolls it back anyway): flushed with the done state.
        applied_to = {"product_id": product.id, "location_id": location.id}
        if float_is_zero(target - on_hand, precision_rounding=product.uom_id.rounding):
            self.write(applied_to)
            return self.env["stock.picking"], Move
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True, inventory_name=self._origin())
            .create(
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "lot_id": lot.id,
                    "inventory_quantity": target,
                }
            )
        )
        # The adjustment's moves as Odoo validates them: no search of the moves before
        # and after (nor the flush of everything pending that the first one needed).
        with Move._collect_done() as done:
            quant._apply_inventory()
        moves = Move.browse(done).filtered(lambda m: m.product_id == product and m.is_inventory)
        self.write(applied_to)
        return self.env["stock.picking"], moves

    def _apply_transfer(self, event):
        data = event.data
        product = self._product(data["sku"])
        source = self._location(data["location"])
        destination = self._location(data["location_to"])
        quantity = self._quantity(product, data["quantity"], data["unit"])
        self.write({"product_id": product.id, "location_id": source.id})
        if product.tracking != "none":
            raise Rejected(_("Transfers of lot-tracked products are not supported yet."))
        self._check_not_negative(product, source, self._on_hand(product, source) - quantity)
        move = self.env["stock.move"].create(
            {
                "name": self._origin(),
                "origin": self._origin(),
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "company_id": self.backend_id.company_id.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = quantity
        move.picked = True
        move._action_done()
        return self.env["stock.picking"], move

    def _apply_receipt_confirmed(self, event):
        return self._confirm_picking(event, "incoming")

    def _apply_pick_confirmed(self, event):
        return self._confirm_picking(event, "outgoing")

    def _confirm_picking(self, event, code):
        """Validate the transfer the system confirms, with the quantities it confirms.

        What it did not confirm stays in a backorder.
        """
        backend = self.backend_id
        reference = event.data["reference"]
        picking = self.env["stock.picking"].search(
            [("name", "=", reference), ("company_id", "=", backend.company_id.id)], limit=1
        )
        if not picking:
            raise Rejected(_("No transfer %s in the backend's company.", reference))
        if picking.picking_type_code != code:
            raise Rejected(_("%(ref)s is not a %(code)s transfer.", ref=reference, code=code))
        if picking.state in ("done", "cancel"):
            raise Rejected(
                _(
                    "%(ref)s is already %(state)s: nothing to confirm.",
                    ref=reference,
                    state=picking.state,
                )
            )
        if (
            backend.warehouse_ids
            and picking.picking_type_id.warehouse_id not in backend.warehouse_ids
        ):
            raise Rejected(_("%s is in a warehouse this backend does not serve.", reference))
        wanted = {}
        for line in event.data["lines"]:
            product = self._product(line["sku"])
            wanted[product] = wanted.get(product, 0.0) + self._quantity(
                product, line["quantity"], line["unit"]
            )
        foreign = [p.display_name for p in wanted if p not in picking.move_ids.product_id]
        if foreign:
            raise Rejected(
                _(
                    "%(ref)s has no line for %(products)s.",
                    ref=reference,
                    products=", ".join(foreign),
                )
            )
        if picking.state == "draft":
            picking.action_confirm()
        if code == "outgoing":
            picking.action_assign()
            for product, quantity in wanted.items():
                location = picking.location_id
                self._check_not_negative(
                    product, location, self._on_hand(product, location) - quantity
                )
        for product, quantity in wanted.items():
            moves = picking.move_ids.filtered(lambda m, p=product: m.product_id == p)
            for index, move in enumerate(moves):
                take = quantity if index == len(moves) - 1 else min(quantity, move.product_qty)
                quantity -= take
                if not float_is_zero(take, precision_rounding=product.uom_id.rounding):
                    move.quantity = product.uom_id._compute_quantity(take, move.product_uom)
                    move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        if picking.state != "done":
            raise UserError(_("%s could not be validated.", reference))
        return picking | picking.backorder_ids, picking.move_ids

    def _apply_status_change(self, event):
        raise Rejected(
            _(
                "Status changes need a status mapping (the quality-hold glue module): "
                "none is installed, so this status %s is not applied.",
                event.data["status"],
            )
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Apply again the events that waited, were held or failed."""
        self.check_access("read")
        retry = self.filtered(lambda r: r.state in RETRYABLE)
        if not retry:
            raise UserError(_("Only events waiting, held or in error can be retried."))
        # sudo: sync users work the inbound exceptions but may not edit the log's
        # records; they may only put the ones they see back in line.
        retry.sudo()._set_state(RECEIVED)
        retry.activity_ids.sudo().action_done()
        self._trigger_apply()
        return True

    def action_view_payload(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }
