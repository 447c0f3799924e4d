import json
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, str2bool

from ..services import schema
from ..services.bulk_insert import insert_rows_listed
from ..services.event_draft import EventDraft
from ..services.loose_reference import LooseMany2one

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
LOT_TYPE = "odoo.stock_sync.lot.v1"

OPERATIONS = [
    ("receipt", "Receipt"),
    ("issue", "Issue"),
    ("transfer", "Transfer"),
    ("adjustment", "Adjustment"),
    ("consumption", "Consumption"),
    ("production", "Production"),
    ("unbuild", "Unbuild"),
    ("scrap", "Scrap"),
    ("return", "Return"),
    ("correction", "Correction"),
    ("lot_update", "Lot update"),
    ("hold", "Hold"),
    ("release", "Release"),
]

CRITICALITIES = [("critical", "Critical"), ("standard", "Standard"), ("bulk", "Bulk")]


def routing_facts(event_type, company_id, locations, categ_path):
    """What endpoint filters look at (``stock.sync.endpoint._accepts``), once per event.

    :param locations: ``(parent_path, warehouse id or None)`` of each location
        the event names (and of those its ``routing`` adds).
    :param categ_path: the product category's ``parent_path``, or None.
    """
    return {
        "type": event_type,
        "company_id": company_id,
        "warehouse_ids": {warehouse_id for _path, warehouse_id in locations if warehouse_id},
        # "/1/7/12/": endpoint filters look for "/<id>/" in it
        "location_paths": [f"/{path or ''}" for path, _warehouse_id in locations],
        "categ_path": f"/{categ_path or ''}",
    }


def iso_time(value):
    """RFC 3339 in UTC, as CloudEvents wants it."""
    return fields.Datetime.to_datetime(value).isoformat(timespec="microseconds") + "Z"


class StockSyncEvent(models.Model):
    """One inventory event of the outbox, written in the stock transaction.

    The columns ``event_uuid``, ``aggregatetype``, ``partition_key``, ``type``,
    ``payload`` and ``timestamp`` are the ones Debezium's outbox event router
    reads, so a large site can stream this table to Kafka by change data
    capture instead of using the built-in dispatcher (see the README).
    """

    _name = "stock.sync.event"
    _description = "Inventory Event"
    _order = "id desc"
    _rec_name = "event_uuid"

    event_uuid = fields.Char(
        "Event ID",
        required=True,
        readonly=True,
        copy=False,
        help="The CloudEvents id: a UUID, and the idempotency key for receivers.",
    )
    type = fields.Char("Event Type", required=True, readonly=True)
    aggregatetype = fields.Char("Aggregate Type", required=True, readonly=True)
    partition_key = fields.Char(
        # Debezium's outbox router reads it as the aggregate id (the Kafka key).
        required=True,
        readonly=True,
        help="Product and company: the key events are ordered by.",
    )
    sequence = fields.Integer(
        readonly=True,
        help="Monotonic per partition key: given by the dispatcher after commit, in the "
        "order events become visible; empty until then.",
    )
    payload = fields.Json(
        readonly=True,
        required=True,
        help="The whole CloudEvent, self-contained; its sequence is added as it is sent.",
    )
    timestamp = fields.Datetime("Occurred At", required=True, readonly=True, index=True)
    # LooseMany2one: no foreign-key check in the stock transaction (see
    # services/loose_reference.py). A company with events is not deleted
    # (res.company's hook); a deleted product is let go of (product.product's).
    company_id = LooseMany2one("res.company", required=True, readonly=True, index=True)
    product_id = LooseMany2one("product.product", readonly=True, index=True)
    # The category is the product's at capture time, kept for routing: no
    # check of it in the stock transaction either, nor of the log users,
    # which Odoo archives rather than deletes.
    product_categ_id = LooseMany2one("product.category", readonly=True)
    create_uid = LooseMany2one("res.users", "Created by", readonly=True, automatic=True)
    write_uid = LooseMany2one("res.users", "Last Updated by", readonly=True, automatic=True)
    # Indexed: deleting a lot must not scan the outbox for its "set null"
    # (partial: most events have no lot).
    lot_id = fields.Many2one(
        "stock.lot", readonly=True, ondelete="set null", index="btree_not_null"
    )
    # LooseMany2one: no foreign key (see services/loose_reference.py).
    location_id = LooseMany2one("stock.location", "From", readonly=True, index="btree_not_null")
    location_dest_id = LooseMany2one("stock.location", "To", readonly=True, index="btree_not_null")
    move_line_id = LooseMany2one(
        # indexed: corrections look up who received a line
        "stock.move.line",
        readonly=True,
        index="btree_not_null",
    )
    operation = fields.Selection(OPERATIONS, readonly=True)
    criticality = fields.Selection(CRITICALITIES, readonly=True)
    reference = fields.Char(readonly=True)
    # What routing looks at besides the event's own locations, for the fan-out
    # after commit: {"location_ids": [...], "endpoint_ids": [...]}; mostly empty.
    routing = fields.Json(readonly=True)
    delivery_ids = fields.One2many("stock.sync.delivery", "event_id", readonly=True)
    payload_pretty = fields.Text("Payload (formatted)", compute="_compute_payload_pretty")

    _sql_constraints = [
        ("event_uuid_unique", "unique(event_uuid)", "An event id is unique."),
    ]

    # Room left in each page of the table when rows are written: numbering an
    # event (its sequence, in the column and the payload) then writes the new
    # version of the row in the same page, without touching any index (a HOT
    # update; no index names ``sequence`` or ``payload``). What the dispatcher
    # numbers next is listed in ``stock.sync.numbering``.
    _fillfactor = 50

    def init(self):
        cr = self.env.cr
        # An index "WHERE sequence IS NULL" listed what to number before 18.0.1.2.0:
        # it made every numbering a new row version in every index of the table.
        cr.execute("DROP INDEX IF EXISTS stock_sync_event_unnumbered_idx")
        cr.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", (self._table,))
        wanted = f"fillfactor={self._fillfactor}"
        if wanted not in (cr.fetchone()[0] or []):
            cr.execute(
                SQL(
                    "ALTER TABLE %s SET (fillfactor = %s)",
                    SQL.identifier(self._table),
                    SQL(str(int(self._fillfactor))),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_finished(self):
        """An event still on its way somewhere is not deleted (the purge keeps it too)."""
        from .stock_sync_delivery import FINAL  # noqa: PLC0415 - the delivery model imports this one

        if self.delivery_ids.filtered(lambda d: d.state not in FINAL):
            raise UserError(
                _(
                    "These events are still being delivered: cancel their deliveries, with a reason, first."
                )
            )

    def _compute_payload_pretty(self):
        for event in self:
            event.payload_pretty = json.dumps(event._cloud_event(), indent=2, sort_keys=True)

    def _cloud_event(self):
        """The CloudEvent (a dict) as receivers get it: the stored payload and,
        once numbered, its ``sequence`` extension (20 digits, as
        ``stock.sync.delivery._claimed`` adds it to what is sent)."""
        self.ensure_one()
        if not self.sequence:
            return self.payload
        return dict(self.payload, sequence=f"{self.sequence:020d}")

    # ------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------
    @api.model
    def _capture_enabled(self):
        # sudo: the acting stock user may not read system parameters.
        paused = self.env["ir.config_parameter"].sudo().get_param("stock_sync.capture_paused")
        return not str2bool(paused or "0", False)

    @api.model
    def _partition_key(self, product, company):
        return f"product:{product.id}@company:{company.id}"

    @api.model
    def _source(self, company):
        return f"/odoo/{self.env.cr.dbname}/company/{company.id}"

    @api.model
    def _validate_data_enabled(self):
        # sudo: the acting stock user may not read system parameters.
        param = self.env["ir.config_parameter"].sudo().get_param("stock_sync.validate_data")
        return str2bool(param or "1", True)

    @api.private
    @api.model
    def emit(self, event_type, drafts):
        """Write inventory events in the current transaction, for delivery after commit.

        The one door into the outbox for every module: it gives each event its
        CloudEvents id and partition key (product and company), and writes it
        with its place in the dispatcher's numbering queue, one row per event
        and nothing else (the outbox pattern). After commit the dispatcher
        numbers the event (the per-key ``sequence``) and fans it out to the
        endpoints whose filters it passes, in its own short transaction
        (``stock.sync.delivery._fan_out_numbered``). Nothing here touches the
        network, and no lock is taken that another stock transaction could
        wait for. Not callable over RPC (``api.private``).

        :param str event_type: the ``code`` of a ``stock.sync.event.type``
            record, e.g. ``"odoo.stock_sync.movement.v1"``; the record gives
            the aggregate type and the JSON Schema of ``data``.
        :param drafts: list of ``services.event_draft.EventDraft``.
        :returns: the ``stock.sync.event`` records, in the order of ``drafts``.
        :raises UserError: ``event_type`` is not a declared event type.
        :raises ValidationError: a draft's ``data`` does not follow the type's
            JSON Schema (checked unless the system parameter
            ``stock_sync.validate_data`` is ``False``).
        """
        aggregatetype, schema_path = self.env["stock.sync.event.type"]._definition(event_type)
        if not drafts:
            return self.browse()
        if self._validate_data_enabled():
            for draft in drafts:
                problems = schema.errors(schema_path, draft.data)
                if problems:
                    raise ValidationError(
                        _(
                            "The %(type)s event of %(product)s does not follow its schema "
                            "%(schema)s: %(problems)s. This is a bug in the module that emits it.",
                            type=event_type,
                            product=draft.product.display_name,
                            schema=schema_path,
                            problems="; ".join(problems[:5]),
                        )
                    )
        rows = []
        for draft in drafts:
            product, company = draft.product, draft.company
            key = self._partition_key(product, company)
            event_uuid = str(uuid.uuid4())
            criticality = product.product_tmpl_id._stock_sync_criticality()
            envelope = {
                "specversion": "1.0",
                "id": event_uuid,
                "source": self._source(company),
                "type": event_type,
                "subject": product.default_code or f"product/{product.id}",
                "time": iso_time(draft.occurred_at),
                "datacontenttype": "application/json",
                "partitionkey": key,
                # "sequence": numbered by the dispatcher after commit
                # (stock.sync.sequence), no lock taken here; added as sent.
                "criticality": criticality,
                "data": draft.data,
            }
            rows.append(
                {
                    "event_uuid": event_uuid,
                    "type": event_type,
                    "aggregatetype": aggregatetype,
                    "partition_key": key,
                    "payload": envelope,
                    "timestamp": draft.occurred_at,
                    "company_id": company.id,
                    "product_id": product.id,
                    "product_categ_id": product.categ_id.id or None,
                    "lot_id": draft.lot.id if draft.lot else None,
                    "location_id": draft.location_from.id if draft.location_from else None,
                    "location_dest_id": draft.location_to.id if draft.location_to else None,
                    "move_line_id": draft.move_line.id if draft.move_line else None,
                    "operation": draft.operation,
                    "criticality": criticality,
                    "reference": draft.reference,
                    "routing": self._routing_of(draft),
                }
            )
        Dispatcher = self.env["stock.sync.dispatcher"]
        # One statement: the events, their place in the numbering queue, and
        # the dispatch cron's trigger when an active endpoint sends one of
        # their classes as they come (checked by the statement: no look at
        # the endpoints of its own).
        ids, trigger_id = insert_rows_listed(
            self,
            rows,
            "event_uuid",
            id_table=self.env["stock.sync.numbering"]._table,
            also=Dispatcher._wake_up_insert({row["criticality"] for row in rows}),
        )
        if trigger_id:
            Dispatcher._woken(trigger_id)
        return self.browse(ids)

    @api.model
    def _routing_of(self, draft):
        """The ``routing`` column of a draft's event: None unless it routes on more."""
        routing = {}
        if draft.routing_locations:
            routing["location_ids"] = draft.routing_locations.ids
        if draft.endpoint_ids:
            routing["endpoint_ids"] = sorted(draft.endpoint_ids)
        return routing or None

    def _routing_facts_of(self):
        self.ensure_one()
        locations = [loc for loc in (self.location_id, self.location_dest_id) if loc]
        return dict(
            routing_facts(
                self.type,
                self.company_id.id,
                [(loc.parent_path, loc.warehouse_id.id) for loc in locations],
                self.product_categ_id.parent_path,
            ),
            endpoint_ids=frozenset(),
        )

    @api.model
    def _capture_move_lines(self, move_lines, corrected=None):
        """One movement event per done move line.

        ``corrected`` maps the ids of lines that were done before and edited
        to their state before the edit: their events are corrections, with
        the line's new state and, under ``correction.previous``, what a
        receiver must undo. A correction goes to every endpoint that received
        the line before, and to those whose filters the line's old or new
        locations pass. The other lines get plain movement events.
        """
        if not move_lines or not self._capture_enabled():
            return self.browse()
        corrected = corrected or {}
        now = fields.Datetime.now()
        recorded_at = iso_time(now)
        drafts, shared = [], {}
        for line in move_lines:
            data = line._stock_sync_event_data(recorded_at, shared)
            draft = EventDraft(
                company=line.company_id,
                product=line.product_id,
                occurred_at=line.date,
                data=data,
                operation=data["operation"],
                reference=data["reference"],
                lot=line.lot_id,
                location_from=line.location_id,
                location_to=line.location_dest_id,
                move_line=line,
            )
            if line.id in corrected:
                previous = corrected[line.id]
                data["correction"] = {"of_operation": data["operation"], "previous": previous}
                data["operation"] = draft.operation = "correction"
                data["occurred_at"], draft.occurred_at = recorded_at, now
                # Its receivers (those of the line's earlier events) are looked
                # up as it is fanned out, after commit.
                draft.routing_locations = self.env["stock.location"].browse(
                    [previous["location_from"]["id"], previous["location_to"]["id"]]
                )
            drafts.append(draft)
        return self.emit(MOVEMENT_TYPE, drafts)

    @api.model
    def _receivers_of_lines(self, move_lines):
        """``{line id: frozenset(endpoint ids)}`` that received events of these lines."""
        self.env.cr.execute(
            """
            SELECT e.move_line_id, ARRAY_AGG(DISTINCT d.endpoint_id)
              FROM stock_sync_event e JOIN stock_sync_delivery d ON d.event_id = e.id
             WHERE e.move_line_id = ANY(%s)
             GROUP BY e.move_line_id
            """,
            (move_lines.ids,),
        )
        return {line_id: frozenset(ids) for line_id, ids in self.env.cr.fetchall()}

    @api.model
    def _capture_lot_changes(self, lots, changed_fields):
        if not lots or not self._capture_enabled():
            return self.browse()
        now = fields.Datetime.now()
        recorded_at = iso_time(now)
        drafts = [
            EventDraft(
                # A shared lot is keyed on its product's company, or the main
                # one: never on whoever edits it, so its key stays the same.
                company=lot.company_id
                or lot.product_id.company_id
                or self.env.ref("base.main_company"),
                product=lot.product_id,
                lot=lot,
                operation="lot_update",
                reference=lot.name,
                occurred_at=now,
                data=lot._stock_sync_event_data(changed_fields, recorded_at),
            )
            for lot in lots
        ]
        return self.emit(LOT_TYPE, drafts)

    # ------------------------------------------------------------------
    # Purge
    # ------------------------------------------------------------------
    @api.model
    def _cron_purge(self, chunk_size=5000, max_chunks=4):
        """Delete finished events past their retention, a bounded chunk at a time.

        * Events whose deliveries were all delivered (or that have none) go
          ``stock_sync.retention_days`` (30) after they happened.
        * Events with dead or cancelled deliveries, and nothing still on its
          way, also wait until those were last touched
          ``stock_sync.dead_retention_days`` (90) ago, so that a person has time
          to look at them; a dead delivery with later events of its key still
          parked behind it is never purged, as it still holds them.

        Their deliveries go with them (foreign key cascade), and so does the
        deliveries' chatter (messages, followers, attachments), which nothing
        else would remove. At most ``max_chunks`` statements of ``chunk_size``
        events run in one transaction: when more remain, the method says so to
        the cron through Odoo's progress API, which commits and calls it again
        (and reschedules itself at once after ten calls); called from
        elsewhere, it triggers the purge cron. Returns the number of events deleted.
        """
        # sudo: system parameters are technical
        params = self.env["ir.config_parameter"].sudo()
        days = max(int(params.get_param("stock_sync.retention_days", "30") or 30), 1)
        dead_days = max(int(params.get_param("stock_sync.dead_retention_days", "90") or 90), 1)
        self.env.flush_all()
        # Keyset: each chunk starts after the last event of the previous one.
        deleted, after, more = 0, ("-infinity", 0), False
        for _chunk in range(max_chunks):
            self.env.cr.execute(
                """
                SELECT e.id, e.timestamp FROM stock_sync_event e
                 WHERE e.timestamp < (now() AT TIME ZONE 'UTC') - make_interval(days => %(days)s)
                   -- one waiting for its number has no delivery yet: kept as long from its capture
                   AND (e.sequence IS NOT NULL
                        OR e.create_date < (now() AT TIME ZONE 'UTC') - make_interval(days => %(days)s))
                   AND (e.timestamp, e.id) > (%(after_time)s, %(after_id)s)
                   AND NOT EXISTS (
                       SELECT 1 FROM stock_sync_delivery d
                        WHERE d.event_id = e.id
                          AND (d.state NOT IN ('delivered', 'cancelled', 'dead')
                               OR (d.state IN ('dead', 'cancelled')
                                   AND d.write_date >= (now() AT TIME ZONE 'UTC')
                                                       - make_interval(days => %(dead_days)s))
                               OR (d.state = 'dead' AND EXISTS (
                                   SELECT 1 FROM stock_sync_delivery f
                                    WHERE f.endpoint_id = d.endpoint_id
                                      AND f.partition_key = d.partition_key
                                      AND f.sequence > d.sequence
                                      AND f.state NOT IN ('delivered', 'cancelled', 'dead')))))
                 ORDER BY e.timestamp, e.id
                 LIMIT %(limit)s
                   FOR UPDATE OF e SKIP LOCKED
                """,
                {
                    "days": days,
                    "dead_days": dead_days,
                    "after_time": after[0],
                    "after_id": after[1],
                    "limit": chunk_size,
                },
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            event_ids, after = [row[0] for row in rows], (rows[-1][1], rows[-1][0])
            self._purge_events(event_ids)
            deleted += len(event_ids)
            more = len(rows) == chunk_size
            if not more:
                break
        self.invalidate_model()
        self.env["stock.sync.delivery"].invalidate_model()
        if more:
            # The cron commits between calls; business code never commits.
            self.env["ir.cron"]._notify_progress(done=deleted, remaining=1)
            if "cron_id" not in self.env.context:
                self.env.ref("stock_sync.ir_cron_purge")._trigger()
        else:
            self.env["ir.cron"]._notify_progress(done=deleted, remaining=0)
        return deleted

    @api.model
    def _purge_events(self, event_ids):
        """Delete ``event_ids``, their deliveries and the deliveries' chatter."""
        self.env.cr.execute(
            "SELECT id FROM stock_sync_delivery WHERE event_id = ANY(%s)", (event_ids,)
        )
        delivery_ids = [row[0] for row in self.env.cr.fetchall()]
        if delivery_ids:
            # sudo: what was attached to purged deliveries goes with them (files too).
            self.env["ir.attachment"].sudo().search(
                [("res_model", "=", "stock.sync.delivery"), ("res_id", "in", delivery_ids)]
            ).unlink()
        self.env.cr.execute(
            """
            WITH messages AS (
                DELETE FROM mail_message
                 WHERE model = 'stock.sync.delivery' AND res_id = ANY(%(deliveries)s)
            ), followers AS (
                DELETE FROM mail_followers
                 WHERE res_model = 'stock.sync.delivery' AND res_id = ANY(%(deliveries)s)
            )
            DELETE FROM stock_sync_event WHERE id = ANY(%(events)s)
            """,
            {"deliveries": delivery_ids, "events": event_ids},
        )
