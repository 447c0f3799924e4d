from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..services import transport
from ..services.loose_reference import LooseMany2one
from .stock_sync_event import CRITICALITIES, OPERATIONS, routing_facts

# The delivery states, written once. SQL takes them as parameters.
PENDING = "pending"  # waiting for its first try, or released to be sent again
DELIVERED = "delivered"  # acknowledged by the receiver
FAILED = "failed"  # not accepted; tried again at next_attempt_at
DEAD = "dead"  # given up: a person retries or cancels it
PARKED = "parked"  # waits behind a dead delivery of its key
CANCELLED = "cancelled"  # a person gave it up, with a reason
STATES = [
    (PENDING, "Pending"),
    (DELIVERED, "Delivered"),
    (FAILED, "Failed"),
    (DEAD, "Dead"),
    (PARKED, "Parked"),
    (CANCELLED, "Cancelled"),
]
FINAL = (DELIVERED, CANCELLED)  # nothing left to do for the endpoint
WAITING = (PENDING, FAILED)  # leave when next_attempt_at is due
# What a dispatcher's claim takes (a claim is a row lock, see stock_sync_dispatcher).
CLAIMED = WAITING
BACKLOG = (PENDING, FAILED, PARKED)
# Who may move a delivery where; each arrow has one method below.
# A claimed delivery (a WAITING one locked by a dispatcher) goes to its outcome
# in the claim's own transaction: DELIVERED, FAILED, DEAD, or PENDING to be sent alone.
TRANSITIONS = {
    PENDING: {DELIVERED, FAILED, DEAD, PENDING, PARKED, CANCELLED},
    FAILED: {DELIVERED, FAILED, DEAD, PENDING, PARKED, CANCELLED},
    DEAD: {PENDING, CANCELLED},
    PARKED: {PENDING, CANCELLED},
    DELIVERED: {PENDING},  # requeued by a person, or replayed
    CANCELLED: {PENDING},
}
# States a person may send again; pending work belongs to a dispatcher.
REQUEUABLE = (FAILED, DEAD, PARKED, CANCELLED, DELIVERED)
CANCELLABLE = (FAILED, DEAD, PARKED)
STATE_PARAMS = {
    "pending": PENDING,
    "delivered": DELIVERED,
    "failed": FAILED,
    "dead": DEAD,
    "parked": PARKED,
    "cancelled": CANCELLED,
    "final": FINAL,
    "waiting": WAITING,
    "claimed": CLAIMED,
}
ERROR_CLASSES = [
    (transport.TIMEOUT, "Timeout"),
    (transport.CONNECTION, "Connection"),
    (transport.HTTP_4XX, "HTTP 4xx"),
    (transport.HTTP_5XX, "HTTP 5xx"),
    (transport.INVALID_RESPONSE, "Invalid Response"),
    (transport.CONFIG, "Configuration"),
    (transport.INTERNAL, "Internal Error"),
]


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
    # Not indexed, nor is ``state`` (see init): a delivery is written three times
    # on its way (captured, numbered, delivered), each version in every index.
    # Copies of the event's, which keeps the foreign keys: no check of its own
    # in the stock transaction (see services/loose_reference.py).
    company_id = LooseMany2one("res.company", required=True, readonly=True)
    product_id = LooseMany2one("product.product", readonly=True)
    create_uid = LooseMany2one("res.users", "Created by", readonly=True, automatic=True)
    write_uid = LooseMany2one("res.users", "Last Updated by", readonly=True, automatic=True)
    partition_key = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(readonly=True)
    criticality = fields.Selection(CRITICALITIES, readonly=True)
    operation = fields.Selection(OPERATIONS, readonly=True)
    event_type = fields.Char(readonly=True)
    event_time = fields.Datetime("Occurred At", readonly=True)
    event_uuid = fields.Char(related="event_id.event_uuid", string="Event ID")
    reference = fields.Char(related="event_id.reference")
    state = fields.Selection(STATES, default=PENDING, required=True, readonly=True, tracking=True)
    attempts = fields.Integer(readonly=True, default=0)
    send_alone = fields.Boolean(
        readonly=True,
        help="Sent in a batch of its own, after its batch was refused, "
        "so that one bad event does not take its neighbours down with it.",
    )
    next_attempt_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    last_attempt_at = fields.Datetime(readonly=True)
    status_code = fields.Integer("HTTP Status", readonly=True)
    error_class = fields.Selection(ERROR_CLASSES, readonly=True)
    error_message = fields.Char(readonly=True)
    response_excerpt = fields.Text(readonly=True)
    error_traceback = fields.Text(
        readonly=True,
        help="Where the dispatcher failed, for an internal error: give it to a developer.",
    )
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
        # States are found through partial indexes only: the due index (pending,
        # failed), the KPI index (delivered, cancelled) and the one
        # below for what needs attention (failed, dead, parked). A whole-table
        # index of the state (and one of the company, which every row shares
        # with most others) took an entry for each of the three versions of
        # every delivery; partial indexes take one only in their states.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_due_idx
                ON stock_sync_delivery (endpoint_id, event_id)
             WHERE state IN ('pending', 'failed');
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_key_idx
                ON stock_sync_delivery (endpoint_id, partition_key, sequence)
             WHERE state NOT IN ('delivered', 'cancelled');
            CREATE INDEX IF NOT EXISTS stock_sync_delivery_attention_idx
                ON stock_sync_delivery (endpoint_id, state)
             WHERE state IN ('failed', 'dead', 'parked');
            DROP INDEX IF EXISTS stock_sync_delivery__state_index;
            DROP INDEX IF EXISTS stock_sync_delivery__company_id_index;
        """)

    @api.depends("event_uuid", "endpoint_id")
    def _compute_display_name(self):
        for delivery in self:
            what = delivery.event_id.reference or delivery.event_uuid
            delivery.display_name = f"{delivery.endpoint_id.name} / {what}"

    # ------------------------------------------------------------------
    # Fan-out: after commit, as the dispatcher numbers the events
    # ------------------------------------------------------------------
    @api.model
    def _fan_out(self, events, endpoints=None):
        """Write the deliveries of numbered ``events`` (records) to ``endpoints``.

        For a replay: an event's own fan-out happens as it is numbered
        (``_fan_out_numbered``). ``endpoints``: the ``stock.sync.endpoint``
        records to route to, every active one when None. A delivery is due now
        (the database's clock), or at the next window of a scheduled cadence;
        the dispatcher is woken when one is due now. Returns how many
        deliveries were written.
        """
        Endpoint = self.env["stock.sync.endpoint"]
        table = Endpoint._routing_table() if endpoints is None else endpoints._routing_entries()
        # The database's clock, like the claims that compare with it.
        now = self.env.cr.now()
        rows = []
        for event in events:
            rows.extend(
                self._deliveries_of(
                    event.id, event.criticality, event._routing_facts_of(), table, now
                )
            )
        written = self._insert_deliveries(rows, {})
        if any(due <= now for _event_id, _endpoint_id, due in rows):
            self.env["stock.sync.dispatcher"]._wake_up()
        return written

    @api.model
    def _deliveries_of(self, event_id, criticality, facts, table, captured_at):
        """The deliveries of one event: ``[(event id, endpoint id, next_attempt_at)]``,
        one per endpoint of ``table`` (routing entries) whose filters ``facts``
        pass or that ``facts["endpoint_ids"]`` names. ``captured_at``: when the
        event was written; batch windows count from it.
        """
        Endpoint = self.env["stock.sync.endpoint"]
        return [
            (event_id, endpoint.id, endpoint.first_attempt_at(criticality, captured_at))
            for endpoint in table
            if endpoint.id in facts["endpoint_ids"] or Endpoint._accepts(endpoint.rules, facts)
        ]

    @api.model
    def _fan_out_numbered(self, events, fingerprint):
        """Create the deliveries of events the dispatcher has just numbered.

        Runs in the numbering's own short transaction, never in a user's: the
        stock transaction writes the event alone (the outbox pattern's one
        row), and its deliveries are written here with their ``sequence``.
        Each event goes to every active endpoint that existed when it was
        captured and whose filters it passes (``stock.sync.endpoint._accepts``),
        to the endpoints its ``routing`` names, and, for a correction, to every
        endpoint that received an earlier event of its move line. Batch
        windows count from the capture.

        :param events: the events just numbered, in id order: dicts of their
            columns ``id``, ``sequence``, ``type``, ``partition_key``,
            ``company_id``, ``product_id``, ``product_categ_id``,
            ``location_id``, ``location_dest_id``, ``move_line_id``,
            ``operation``, ``criticality``, ``timestamp``, ``create_date``
            and ``routing``.
        :param str fingerprint: the endpoints' routing fingerprint, read in
            this transaction (``stock.sync.endpoint._routing_fingerprint_sql``).
        :returns: the number of deliveries written.
        """
        rows = self._fan_out_rows_of(events, fingerprint)
        return self._insert_deliveries(
            rows, {event["id"]: event["create_date"] for event in events}
        )

    @api.model
    def _insert_deliveries(self, rows, captured):
        """Write pending deliveries ``rows`` (``[(event id, endpoint id,
        next_attempt_at)]``) in one statement; return how many.

        What a delivery copies of its event (sequence, key, company, product,
        type...) is read from the event, by id: three arrays as parameters
        whatever the number of rows (a VALUES list of every column cost three
        times the insert itself to build, send and parse for a step of
        10,000). ``captured``: ``{event id: create_date}``; a delivery due at
        its event's capture (a real-time one, as numbered) sends NULL and
        takes the event's create_date in SQL.
        """
        if not rows:
            return 0
        event_ids, endpoint_ids, due = zip(*rows, strict=True)
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_delivery
                   (event_id, endpoint_id, next_attempt_at, company_id, product_id,
                    partition_key, sequence, criticality, operation, event_type, event_time,
                    state, attempts, send_alone, create_uid, write_uid, create_date, write_date)
            SELECT u.event_id, u.endpoint_id, COALESCE(u.next_attempt_at, e.create_date),
                   e.company_id, e.product_id, e.partition_key, e.sequence, e.criticality,
                   e.operation, e.type, e."timestamp", %(pending)s, 0, FALSE,
                   %(uid)s, %(uid)s, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')
              FROM unnest(%(events)s::int[], %(endpoints)s::int[], %(next)s::timestamp[])
                   AS u(event_id, endpoint_id, next_attempt_at)
              JOIN stock_sync_event e ON e.id = u.event_id
            """,
            {
                "pending": PENDING,
                "uid": self.env.uid,
                "events": list(event_ids),
                "endpoints": list(endpoint_ids),
                "next": [
                    None if at == captured.get(event_id) else at
                    for event_id, at in zip(event_ids, due, strict=True)
                ],
            },
        )
        self.invalidate_model()
        return len(rows)

    @api.model
    def _fan_out_rows_of(self, events, fingerprint):
        """The deliveries of ``events`` (as ``_fan_out_numbered`` takes them;
        ``sequence`` may be missing), without writing them: ``[(event id,
        endpoint id, next_attempt_at)]``."""
        # sudo: routing covers every company's endpoints and locations,
        # whoever runs the dispatcher.
        table = self.env["stock.sync.endpoint"].sudo()._routing_table(fingerprint)
        if not table or not events:
            return []
        Event = self.env["stock.sync.event"].sudo()
        location_ids = {
            location_id
            for event in events
            for location_id in (
                event["location_id"],
                event["location_dest_id"],
                *(event["routing"] or {}).get("location_ids", ()),
            )
            if location_id
        }
        # The few locations and categories of a step, read once, in one statement
        # (joined to each event, they were three lookups more per event).
        self.env.cr.execute(
            """
            SELECT 'location', id, parent_path, warehouse_id FROM stock_location WHERE id = ANY(%s)
             UNION ALL
            SELECT 'category', id, parent_path, NULL FROM product_category WHERE id = ANY(%s)
            """,
            (
                list(location_ids),
                list({event["product_categ_id"] for event in events} - {None}),
            ),
        )
        paths = {
            (kind, record_id): (path, warehouse)
            for kind, record_id, path, warehouse in self.env.cr.fetchall()
        }
        corrected_lines = {
            event["move_line_id"]
            for event in events
            if event["operation"] == "correction" and event["move_line_id"]
        }
        receivers = (
            Event._receivers_of_lines(self.env["stock.move.line"].browse(corrected_lines))
            if corrected_lines
            else {}
        )
        planned = {}  # move line id: endpoints of this batch's earlier events of the line
        rows = []
        for event in events:
            routing = event["routing"] or {}
            line_id = event["move_line_id"]
            endpoint_ids = frozenset(routing.get("endpoint_ids", ()))
            if line_id in corrected_lines:
                endpoint_ids |= receivers.get(line_id, frozenset()) | planned.get(line_id, set())
            # A location or category deleted since is not routed on (loose references).
            locations = [
                paths[key]
                for key in (
                    ("location", event["location_id"]),
                    ("location", event["location_dest_id"]),
                    *(("location", location_id) for location_id in routing.get("location_ids", ())),
                )
                if key in paths
            ]
            category = paths.get(("category", event["product_categ_id"]), (None, None))
            facts = dict(
                routing_facts(event["type"], event["company_id"], locations, category[0]),
                endpoint_ids=endpoint_ids,
            )
            # An endpoint gets what was captured after it was created.
            serving = [entry for entry in table if entry.created_at <= event["create_date"]]
            event_rows = self._deliveries_of(
                event["id"], event["criticality"], facts, serving, event["create_date"]
            )
            if line_id:
                planned.setdefault(line_id, set()).update(row[1] for row in event_rows)
            rows.extend(event_rows)
        return rows

    # ------------------------------------------------------------------
    # Transitions of the dispatcher, one statement each, in its own cursor.
    # Every one names the states it moves between (TRANSITIONS).
    # ------------------------------------------------------------------
    @api.model
    def _sql(self, query, params):
        self.env.cr.execute(query, dict(STATE_PARAMS, **params))
        return self.env.cr.fetchall() if self.env.cr.description else None

    @api.model
    def _heal_parking(self, endpoint_id):
        """PENDING/FAILED → PARKED behind a dead delivery of their key; PARKED → PENDING
        when nothing dead is in front any more (cancelled, retried or deleted meanwhile,
        even by a racing transaction). Only keys with a dead or parked delivery are read.
        """
        # Most runs have nothing dead or parked: a look at the state index then
        # spares the window over the endpoint's whole queue.
        if not self._sql(
            "SELECT 1 FROM stock_sync_delivery WHERE endpoint_id = %(endpoint)s"
            " AND state IN (%(dead)s, %(parked)s) LIMIT 1",
            {"endpoint": endpoint_id},
        ):
            return
        self._sql(
            """
            UPDATE stock_sync_delivery d
               SET state = CASE WHEN q.behind_dead THEN %(parked)s ELSE %(pending)s END,
                   next_attempt_at = CASE WHEN q.behind_dead THEN d.next_attempt_at
                                          ELSE (now() AT TIME ZONE 'UTC') END
              FROM (
                SELECT p.id, p.state,
                       COALESCE(BOOL_OR(p.state = %(dead)s) OVER (
                           PARTITION BY p.partition_key ORDER BY p.sequence
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), FALSE) AS behind_dead
                  FROM stock_sync_delivery p
                 WHERE p.endpoint_id = %(endpoint)s
                   AND p.state NOT IN %(final)s
                   AND p.partition_key IN (
                       SELECT k.partition_key FROM stock_sync_delivery k
                        WHERE k.endpoint_id = %(endpoint)s AND k.state IN (%(dead)s, %(parked)s))
              ) q
             WHERE d.id = q.id
               AND ((q.behind_dead AND q.state IN %(waiting)s)
                    OR (NOT q.behind_dead AND q.state = %(parked)s))
               AND d.state = q.state
            """,
            {"endpoint": endpoint_id},
        )

    @api.model
    def _lock_due(self, endpoint_id, now, limit, skip_keys=(), after_event=0, lane=None):
        """Lock up to ``limit`` due deliveries, oldest events first; others' locks are skipped.

        Due: WAITING with ``next_attempt_at`` passed. Unnumbered ones wait for
        their sequence, and keys in ``skip_keys`` are passed over, as are events
        below ``after_event`` (the dispatcher's ``ClaimFloor``). ``lane``:
        ``(buckets, modulus)``, only the keys whose hash modulo ``modulus`` is in
        ``buckets`` (a dispatch lane's share, ``services/lane_board.py``). The due
        index serves this in event order: the cost is the batch, not the backlog. Returns ``(id, partition_key,
        sequence, send_alone, event_id)``.

        Sorting is ruled out for this statement, so that the planner walks the
        due index in event order and stops at the limit: it cannot estimate the
        lane's share of the keys (a hash), took it for a few hundred rows of the
        whole queue, and read and sorted all of the endpoint's due deliveries
        (a bitmap scan) for every claim: with a backlog of 200,000, each claim
        cost as much as several batches.
        """
        self.env.cr.execute(
            "SELECT saved.sort, set_config('enable_sort', 'off', true)"
            " FROM (SELECT current_setting('enable_sort') AS sort OFFSET 0) AS saved"
        )
        sort = self.env.cr.fetchone()[0]
        rows = self._lock_due_sql(endpoint_id, now, limit, skip_keys, after_event, lane)
        # (On an error the transaction is rolled back, and the setting with it.)
        self.env.cr.execute("SELECT set_config('enable_sort', %s, true)", (sort,))
        return rows

    @api.model
    def _lock_due_sql(self, endpoint_id, now, limit, skip_keys, after_event, lane):
        buckets, modulus = lane or ((0,), 1)
        return self._sql(
            """
            SELECT d.id, d.partition_key, d.sequence, d.send_alone, d.event_id
              FROM stock_sync_delivery d
             WHERE d.endpoint_id = %(endpoint)s AND d.event_id >= %(after)s
               AND d.state IN %(waiting)s AND d.next_attempt_at <= %(now)s
               AND d.sequence IS NOT NULL
               AND NOT (d.partition_key = ANY(%(skip)s))
               AND (%(modulus)s = 1
                    OR mod(hashtext(d.partition_key) & 2147483647, %(modulus)s) = ANY(%(buckets)s))
             ORDER BY d.event_id
             LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED
            """,
            {
                "endpoint": endpoint_id,
                "now": now,
                "limit": limit,
                "skip": list(skip_keys),
                "after": after_event or 0,
                "buckets": list(buckets),
                "modulus": modulus,
            },
        )

    @api.model
    def _first_blockers(self, endpoint_id, keys, chosen_ids, floors=None):
        """Per key, the lowest sequence still in the queue outside ``chosen_ids``.

        One walk of the key index per key, from the key's ``floors`` entry (a
        sequence below which the caller knows every delivery of the key was
        final; 0: from the start), skipping at most the chosen rows. Sorting is
        ruled out for this statement, so that the planner walks the key index
        in sequence order even when its statistics say the endpoint has no
        deliveries (a new endpoint's first burst, right after an ANALYZE): it
        then read all of the endpoint's deliveries and sorted them, once per key.
        """
        self.env.cr.execute(
            "SELECT saved.sort, set_config('enable_sort', 'off', true)"
            " FROM (SELECT current_setting('enable_sort') AS sort OFFSET 0) AS saved"
        )
        sort = self.env.cr.fetchone()[0]
        blockers = self._first_blockers_sql(endpoint_id, keys, chosen_ids, floors)
        # (On an error the transaction is rolled back, and the setting with it.)
        self.env.cr.execute("SELECT set_config('enable_sort', %s, true)", (sort,))
        return blockers

    @api.model
    def _first_blockers_sql(self, endpoint_id, keys, chosen_ids, floors):
        return dict(
            self._sql(
                """
                SELECT k.key, b.sequence
                  FROM unnest(%(keys)s::varchar[], %(floors)s::int[]) AS k(key, floor)
                 CROSS JOIN LATERAL (
                       SELECT d.sequence FROM stock_sync_delivery d
                        WHERE d.endpoint_id = %(endpoint)s AND d.partition_key = k.key
                          AND d.state NOT IN %(final)s AND d.sequence >= k.floor
                          AND NOT (d.id = ANY(%(ids)s))
                        ORDER BY d.sequence
                        LIMIT 1) b
                """,
                {
                    "endpoint": endpoint_id,
                    "keys": keys,
                    "floors": floors or [0] * len(keys),
                    "ids": chosen_ids,
                },
            )
        )

    @api.model
    def _claimed(self, ids):
        """What the dispatcher sends of the deliveries ``ids``, which its transaction
        locked (``_lock_due``): no row is written, the lock is the claim.

        Returns ``(id, event_uuid, payload text, attempts, partition_key, sequence,
        send_alone)`` in event order, ``attempts`` counting the one about to be made.
        The payload text is the CloudEvent as sent, with its ``sequence``
        extension: 20 digits, so that text order is number order. The stored
        payload has none (numbering writes the column only); events numbered
        by an earlier version have it there already.
        """
        return self._sql(
            """
            SELECT d.id, e.event_uuid,
                   CASE WHEN e.payload ? 'sequence' THEN e.payload::text
                        ELSE '{"sequence": "' || lpad(d.sequence::text, 20, '0') || '", '
                             || substr(e.payload::text, 2) END,
                   COALESCE(d.attempts, 0) + 1,
                   d.partition_key, d.sequence, d.send_alone
              FROM stock_sync_delivery d
              JOIN stock_sync_event e ON e.id = d.event_id
             WHERE d.id = ANY(%(ids)s)
             ORDER BY d.event_id
            """,
            {"ids": ids},
        )

    @staticmethod
    def _outcome_params(ids, now, result):
        return {
            "ids": list(ids),
            "now": now,
            "status": result.status_code,
            "error_class": result.error_class,
            "error": result.error,
            "excerpt": result.excerpt,
            "traceback": result.traceback,
        }

    # The outcomes of an attempt: the dispatcher's transaction claimed the rows
    # (it locks them, see _claimed), so each names them by id, in the states a
    # claim takes (CLAIMED). Each counts the attempt, at ``now``.
    @api.model
    def _mark_delivered(self, ids, now, result):
        """Claimed → DELIVERED, with the latency from the movement to now."""
        self._sql(
            """
            UPDATE stock_sync_delivery
               SET state = %(delivered)s, delivered_at = %(now)s, status_code = %(status)s,
                   error_class = NULL, error_message = NULL, error_traceback = NULL,
                   response_excerpt = %(excerpt)s,
                   latency_ms = EXTRACT(EPOCH FROM (%(now)s - event_time)) * 1000,
                   attempts = COALESCE(attempts, 0) + 1, last_attempt_at = %(now)s,
                   write_date = %(now)s
             WHERE id = ANY(%(ids)s) AND state IN %(claimed)s
            """,
            self._outcome_params(ids, now, result),
        )

    @api.model
    def _mark_send_alone(self, ids, now, result):
        """Claimed → PENDING, each to be sent in a batch of its own (its batch was refused)."""
        self._sql(
            """
            UPDATE stock_sync_delivery
               SET state = %(pending)s, send_alone = TRUE, next_attempt_at = %(now)s,
                   status_code = %(status)s, error_class = %(error_class)s,
                   error_message = %(error)s, response_excerpt = %(excerpt)s,
                   attempts = COALESCE(attempts, 0) + 1, last_attempt_at = %(now)s,
                   write_date = %(now)s
             WHERE id = ANY(%(ids)s) AND state IN %(claimed)s
            """,
            self._outcome_params(ids, now, result),
        )

    @api.model
    def _mark_waiting_for_endpoint(self, ids, now, result, retry_at):
        """Claimed → FAILED until ``retry_at``, the attempt not counted: the endpoint
        failed, not the events."""
        self._sql(
            """
            UPDATE stock_sync_delivery
               SET state = %(failed)s, next_attempt_at = %(retry_at)s,
                   status_code = %(status)s, error_class = %(error_class)s,
                   error_message = %(error)s, response_excerpt = %(excerpt)s,
                   error_traceback = %(traceback)s, last_attempt_at = %(now)s,
                   write_date = %(now)s
             WHERE id = ANY(%(ids)s) AND state IN %(claimed)s
            """,
            dict(self._outcome_params(ids, now, result), retry_at=retry_at),
        )

    @api.model
    def _mark_failed_or_dead(self, ids, states, next_attempts, now, result, split=False):
        """Claimed → FAILED (until its next attempt) or DEAD, per row; returns the dead ids.

        ``split``: from now on each is sent in a batch of its own (a batch that keeps
        failing may hold one poison event).
        """
        rows = self._sql(
            """
            UPDATE stock_sync_delivery d
               SET state = u.state, next_attempt_at = u.next_attempt_at,
                   send_alone = d.send_alone OR %(split)s,
                   status_code = %(status)s, error_class = %(error_class)s,
                   error_message = %(error)s, response_excerpt = %(excerpt)s,
                   error_traceback = %(traceback)s,
                   attempts = COALESCE(d.attempts, 0) + 1, last_attempt_at = %(now)s,
                   write_date = %(now)s
              FROM unnest(%(ids)s::int[], %(states)s::varchar[], %(next)s::timestamp[])
                   AS u(id, state, next_attempt_at)
             WHERE d.id = u.id AND d.state IN %(claimed)s
         RETURNING d.id, d.state
            """,
            dict(
                self._outcome_params(ids, now, result),
                states=states,
                next=next_attempts,
                split=split,
            ),
        )
        return [row_id for row_id, state in rows if state == DEAD]

    @api.model
    def _hold_behind_heads(self, ids):
        """Deliveries that could not leave because an earlier one of their key is still
        waiting: WAITING ones wait as long as that one (or are PARKED behind a dead one),
        so a key whose head rests never again fills a batch of candidates it cannot send.
        A head being sent holds nothing: it is about to finish (one that another
        dispatcher claimed is due)."""
        self._sql(
            """
            UPDATE stock_sync_delivery f
               SET next_attempt_at = GREATEST(f.next_attempt_at, h.next_attempt_at),
                   state = CASE WHEN h.state IN (%(dead)s, %(parked)s) THEN %(parked)s
                                ELSE f.state END
              FROM stock_sync_delivery b
             CROSS JOIN LATERAL (
                   SELECT d.state, d.next_attempt_at FROM stock_sync_delivery d
                    WHERE d.endpoint_id = b.endpoint_id AND d.partition_key = b.partition_key
                      AND d.state NOT IN %(final)s AND d.sequence < b.sequence
                    ORDER BY d.sequence
                    LIMIT 1) h
             WHERE b.id = ANY(%(ids)s) AND f.id = b.id AND f.state IN %(waiting)s
               AND h.state IN (%(pending)s, %(failed)s, %(dead)s, %(parked)s)
            """,
            {"ids": list(ids)},
        )

    @api.model
    def _revive_refused_alike(self, endpoint_id, result, retry_at):
        """DEAD → FAILED for deliveries that died of the same refusal since the endpoint's
        last success: the refusal turned out to be about the endpoint. Returns their ids."""
        rows = self._sql(
            """
            UPDATE stock_sync_delivery d
               SET state = %(failed)s, next_attempt_at = %(retry_at)s,
                   attempts = GREATEST(d.attempts - 1, 0)
             WHERE d.endpoint_id = %(endpoint)s AND d.state = %(dead)s
               AND d.status_code IS NOT DISTINCT FROM %(status)s
               AND d.error_class IS NOT DISTINCT FROM %(error_class)s
               AND d.last_attempt_at >= COALESCE(
                   (SELECT MAX(s.delivered_at) FROM stock_sync_delivery s
                     WHERE s.endpoint_id = %(endpoint)s AND s.state = %(delivered)s),
                   '-infinity'::timestamp)
         RETURNING d.id
            """,
            {
                "endpoint": endpoint_id,
                "retry_at": retry_at,
                "status": result.status_code,
                "error_class": result.error_class,
            },
        )
        return [row_id for (row_id,) in rows]

    @api.model
    def _park_followers(self, dead_ids):
        """WAITING → PARKED: what comes after a dead delivery in its key waits for it."""
        self._sql(
            """
            UPDATE stock_sync_delivery f SET state = %(parked)s
              FROM stock_sync_delivery d
             WHERE d.id = ANY(%(ids)s) AND f.endpoint_id = d.endpoint_id
               AND f.partition_key = d.partition_key AND f.sequence > d.sequence
               AND f.state IN %(waiting)s
            """,
            {"ids": dead_ids},
        )

    @api.model
    def _unpark_followers(self, ids):
        """PARKED → PENDING behind ``ids``, and WAITING ones behind them due now, still in
        key order. Safe to over-apply: if another dead delivery is still in front of them,
        the next run parks them again."""
        self._sql(
            """
            UPDATE stock_sync_delivery f
               SET state = CASE WHEN f.state = %(parked)s THEN %(pending)s ELSE f.state END,
                   next_attempt_at = LEAST(f.next_attempt_at, (now() AT TIME ZONE 'UTC'))
              FROM stock_sync_delivery d
             WHERE d.id = ANY(%(ids)s)
               AND f.endpoint_id = d.endpoint_id
               AND f.partition_key = d.partition_key
               AND f.sequence > d.sequence
               AND f.state IN (%(parked)s, %(pending)s, %(failed)s)
            """,
            {"ids": list(ids)},
        )

    # ------------------------------------------------------------------
    # Exception queue actions
    # ------------------------------------------------------------------
    def action_requeue(self):
        """Send the selection again, in order, as soon as a dispatcher is free.

        Works through the selection a chunk at a time and writes one summary on
        each endpoint's chatter (also on the delivery itself when it is the only
        one) instead of a message per delivery.
        """
        selection = self._queue_action_selection(REQUEUABLE, _("queued again"))
        self._requeue()
        self._post_queue_summary(selection, "requeue")
        endpoints = self.env["stock.sync.endpoint"].browse(selection)
        endpoints.sudo().write({"paused_until": False})  # sudo: users cannot edit endpoints
        self.env["stock.sync.dispatcher"]._wake_up()
        return True

    def action_retry_now(self):
        return self.action_requeue()

    def _requeue(self):
        """Back to PENDING, chunk by chunk, releasing what was parked behind; no message.

        The deliveries' ``write_uid`` keeps who did it; callers post the summary.
        """
        for chunk in self._queue_action_chunks():
            # sudo: sync users cannot write deliveries field by field; the checked
            # action writes for them (write_uid still names them). No tracking: the
            # summary says it once instead of a message per delivery.
            chunk.sudo().with_context(tracking_disable=True).write(
                {
                    "state": PENDING,
                    "attempts": 0,
                    "next_attempt_at": fields.Datetime.now(),
                    "cancel_reason": False,
                }
            )
            chunk._release_followers()
            chunk.invalidate_recordset()

    def _cancel(self, reason):
        if not (reason or "").strip():
            raise UserError(
                _("Say why these deliveries are cancelled: the reason stays in their history.")
            )
        selection = self._queue_action_selection(CANCELLABLE, _("cancelled"))
        for chunk in self._queue_action_chunks():
            # sudo: as in _requeue, the checked action writes for the user.
            chunk.sudo().with_context(tracking_disable=True).write(
                {"state": CANCELLED, "cancel_reason": reason}
            )
            chunk._release_followers()
            chunk.invalidate_recordset()
        self._post_queue_summary(selection, "cancel", reason=reason)
        self.env["stock.sync.dispatcher"]._wake_up()
        return True

    _queue_action_chunk_size = 1000

    def _queue_action_chunks(self):
        for ids in split_every(self._queue_action_chunk_size, self.ids):
            yield self.browse(ids)

    def _queue_action_selection(self, allowed, action):
        """Check the selection may be ``action``-ed, in one query for all of it.

        Returns ``{endpoint id: ({state: count}, [delivery ids])}``.
        """
        if not self:
            return {}
        self.check_access("read")
        self.flush_model(["state", "endpoint_id"])
        self.env.cr.execute(
            """
            SELECT endpoint_id, state, array_agg(id ORDER BY id) FROM stock_sync_delivery
             WHERE id = ANY(%s) GROUP BY endpoint_id, state
            """,
            (self.ids,),
        )
        selection, wrong = {}, {}
        for endpoint_id, state, ids in self.env.cr.fetchall():
            states, all_ids = selection.setdefault(endpoint_id, ({}, []))
            states[state] = len(ids)
            all_ids.extend(ids)
            if state not in allowed:
                wrong[state] = wrong.get(state, 0) + len(ids)
        if wrong:
            labels = dict(self._fields["state"].selection)
            raise UserError(
                _(
                    "%(count)s of the selected deliveries cannot be %(action)s: they are %(states)s. "
                    "Pending deliveries belong to a dispatcher; wait for their result.",
                    count=sum(wrong.values()),
                    action=action,
                    states=", ".join(sorted(labels.get(state, state) for state in wrong)),
                )
            )
        return selection

    def _post_queue_summary(self, selection, action, reason=None):
        """One note per endpoint: who did what to how many deliveries, which ones, and why."""
        # Not "user": Odoo's _() reads a local of that name as the user.
        author = self.env.user.name
        labels = dict(self._fields["state"].selection)
        if len(self) == 1:
            # The delivery's own history, where people look at one delivery.
            if action == "requeue":
                body = _("Queued again by %s.", author)
            else:
                body = _("Cancelled by %(user)s: %(reason)s", user=author, reason=reason)
            self.message_post(body=body)
        for endpoint_id, (states, ids) in selection.items():
            what = ", ".join(
                f"{count} {labels[state].lower()}" for state, count in sorted(states.items())
            )
            values = {"user": author, "count": len(ids), "what": what, "ids": _id_ranges(ids)}
            if action == "requeue":
                body = _(
                    "%(user)s queued %(count)s deliveries again (%(what)s): %(ids)s.", **values
                )
            else:
                body = _(
                    "%(user)s cancelled %(count)s deliveries (%(what)s): %(ids)s. Reason: %(reason)s",
                    reason=reason,
                    **values,
                )
            endpoint = self.env["stock.sync.endpoint"].browse(endpoint_id)
            # sudo: sync users may not post on endpoints; the note still names them as author.
            endpoint.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    @api.ondelete(at_uninstall=False)
    def _unlink_only_finished(self):
        """Deleting a waiting delivery would lose its event for that endpoint."""
        if any(d.state not in FINAL for d in self):
            raise UserError(
                _(
                    "Only delivered or cancelled deliveries can be deleted: cancel the others first, with a reason."
                )
            )

    def _release_followers(self):
        """Parked deliveries behind these go back to the queue, still in key order."""
        if not self:
            return
        self.flush_model()
        self._unpark_followers(self.ids)
        self.invalidate_model(["state", "next_attempt_at"])

    def action_open_event(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.sync.event",
            "res_id": self.event_id.id,
            "view_mode": "form",
        }


def _id_ranges(ids, limit=50):
    """``[3, 4, 5, 9]`` → ``"#3–#5, #9"``; after ``limit`` ranges, how many more ids."""
    ranges, ids = [], sorted(ids)
    start = previous = None
    for current in ids:
        if previous is not None and current == previous + 1:
            previous = current
            continue
        if start is not None:
            ranges.append((start, previous))
        start = previous = current
    if start is not None:
        ranges.append((start, previous))
    text = ", ".join(f"#{a}" if a == b else f"#{a}–#{b}" for a, b in ranges[:limit])
    if len(ranges) > limit:
        rest = sum(b - a + 1 for a, b in ranges[limit:])
        text += f" and {rest} more"
    return text
