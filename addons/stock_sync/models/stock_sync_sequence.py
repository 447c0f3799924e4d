import logging
from collections import Counter

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from .stock_sync_on_hand import EFFECT_COLUMNS

_logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: one numbering at a time across all dispatchers.
NUMBERING_LOCK = 0x53594E43  # "SYNC"


class StockSyncSequence(models.Model):
    """The last ``sequence`` given per partition key.

    Events are written without a number, so that no user's stock
    transaction ever waits for another one on a counter. The dispatcher
    numbers them after they committed, in its own short transaction
    (``_number_new_events``): a key's numbers then follow the order in which
    its events became visible, which is the order they are delivered in.
    """

    _name = "stock.sync.sequence"
    _description = "Inventory Event Sequence per Partition Key"
    _log_access = False

    partition_key = fields.Char(required=True, index=True)
    last_value = fields.Integer(required=True, default=0)

    _sql_constraints = [
        ("partition_key_unique", "unique(partition_key)", "One counter per partition key."),
    ]

    @api.model
    def _wait_for_numbering(self, timeout_ms=2000):
        """Wait until the transaction numbering right now, if any, has committed.

        For a dispatcher that found nothing to send because another one was
        numbering (``_number_new_events`` returned None): a numbering step is
        short, and waiting for its end is the earliest moment its events can
        be claimed (a fixed sleep made every such event wait for it).
        ``timeout_ms``: never wait longer than this; returns either way.
        """
        cr = self.env.cr
        cr.execute("SET LOCAL lock_timeout = %s", (f"{int(timeout_ms)}ms",))
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT pg_advisory_xact_lock(%s)", (NUMBERING_LOCK,))
        except pg_errors.LockNotAvailable:
            # A long numbering: the caller just looks again.
            _logger.debug("dispatch: numbering still under way after %s ms", timeout_ms)
        cr.execute("SET LOCAL lock_timeout = DEFAULT")

    def _number_new_events(self, limit=10000):
        """Number up to ``limit`` committed events that have no sequence yet.

        Per key, in id order among those visible now; events that commit
        later get later numbers. The events come from ``stock.sync.numbering``
        (``emit`` lists each event there), whose rows are deleted here. Sets
        the ``sequence`` column of the events and writes their deliveries
        (``stock.sync.delivery._fan_out_numbered``; the CloudEvents
        ``sequence`` is added to the payload when it is sent).
        Only one transaction numbers at a time (an advisory lock, tried;
        numbering never waits for it, an idle dispatcher may:
        ``_wait_for_numbering``). Returns how many events were
        numbered, or None when another transaction is numbering right now.

        The events and deliveries are reached by their ids, one index lookup
        each, so the cost is that of the events numbered, whatever the size of
        the tables or the state of the planner's statistics.
        """
        cr = self.env.cr
        # The lock is tried only when something is listed: a run looks again
        # after every step, and most looks find the list empty (one statement).
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s), listed.id"
            " FROM (SELECT id FROM stock_sync_numbering ORDER BY id LIMIT 1) AS listed",
            (NUMBERING_LOCK,),
        )
        listed = cr.fetchone()
        if listed is None:
            return 0  # nothing listed
        locked, first = listed
        if not locked:
            return None  # another dispatcher is numbering right now
        # Every row is reached through an index, by id, one lookup per event:
        # never a scan of the queue or of the outbox tables (large, and with
        # stale planner statistics during a burst: the planner chose scans of a
        # whole table, or an index scan per row over all the chunk's ids, once
        # per chunk). Only for these statements of this transaction.
        # JIT off too: a table without a usable index (the endpoints, read for
        # the routing fingerprint) then costs 10^10 to the planner, which made
        # PostgreSQL JIT-compile the statement, 200 ms of CPU for a 1 ms query.
        planner = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "jit")
        # Saved (the subquery runs first), then set, in one statement.
        cr.execute(
            "SELECT saved.*, set_config(%s, 'off', true), set_config(%s, 'off', true),"
            " set_config(%s, 'off', true), set_config(%s, 'off', true)"
            " FROM (SELECT current_setting(%s), current_setting(%s), current_setting(%s),"
            " current_setting(%s) OFFSET 0) AS saved",
            planner + planner,
        )
        saved = cr.fetchone()[:4]
        events = self._number_listed(limit, first)
        # (On an error the transaction is rolled back, and the settings with it.)
        cr.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true), set_config(%s, %s, true),"
            " set_config(%s, %s, true)",
            [value for pair in zip(planner, saved, strict=True) for value in pair],
        )
        if events is None:
            return 0  # nothing listed
        if not events:
            # Only rows of events deleted meanwhile: look further, 0 means "none left".
            return self._number_new_events(limit)
        self.env["stock.sync.event"].invalidate_model(["sequence"])
        return events

    @api.model
    def _number_listed(self, limit, first=0):
        """Take up to ``limit`` events off the list, from id ``first`` up (the lowest
        listed, already read in this snapshot), and number them; return how many
        were numbered, or None when the list was empty."""
        cr = self.env.cr
        # From ``first``: the index entries below it are of rows numbered earlier,
        # which PostgreSQL may not have pruned yet (a walk over them all again).
        # Not logged as a bad query: the one error expected here, a serialization
        # failure (a numbering committed after this snapshot), is the dispatcher's
        # to handle (it waits and looks again), not a person's.
        cr.execute(
            """
            DELETE FROM stock_sync_numbering
             WHERE id = ANY(ARRAY(SELECT id FROM stock_sync_numbering WHERE id >= %s
                                   ORDER BY id LIMIT %s))
         RETURNING id
            """,
            (first, limit),
            log_exceptions=False,
        )
        ids = [row[0] for row in cr.fetchall()]
        if not ids:
            return None
        # What the deliveries copy and route on comes with the key, and the
        # endpoints' routing fingerprint with them: no statement more.
        events, fingerprint = self._events_to_fan_out(ids)
        if not events:
            return 0
        rows = [(event["id"], event["partition_key"]) for event in events]
        counts = Counter(key for _id, key in rows)
        keys = list(counts)
        cr.execute(
            """
            INSERT INTO stock_sync_sequence (partition_key, last_value)
            SELECT * FROM unnest(%s::varchar[], %s::int[])
            ON CONFLICT (partition_key)
            DO UPDATE SET last_value = stock_sync_sequence.last_value + EXCLUDED.last_value
            RETURNING partition_key, last_value
            """,
            (keys, [counts[key] for key in keys]),
        )
        # Each key's new numbers follow its last one, in event id order.
        last = {key: value - counts[key] for key, value in cr.fetchall()}
        numbers = []
        for _id, key in rows:
            last[key] += 1
            numbers.append(last[key])
        event_ids = [event_id for event_id, _key in rows]
        # The on-hand figures of movement events, in the order they are numbered.
        # Whether this step takes every listed event: then the figures start
        # from the quants, with nothing kept for a next step.
        complete = len(ids) < limit
        if not complete:
            cr.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM stock_sync_numbering WHERE id > %s)", (max(ids),)
            )
            complete = cr.fetchone()[0]
        figures = self.env["stock.sync.on.hand"]._figures_of(
            events, complete=complete, last_id=max(ids)
        )
        at_from, at_to = (
            [figures.get(event_id, (None, None))[side] for event_id in event_ids] for side in (0, 1)
        )
        # The sequence goes in the column only: the CloudEvents ``sequence`` is
        # added to the payload as it is sent (``stock.sync.delivery._claimed``).
        # The on-hand figures go into the payload, where receivers read them.
        cr.execute(
            """
            UPDATE stock_sync_event e
               SET sequence = u.number,
                   payload = CASE
                       WHEN u.at_from IS NULL AND u.at_to IS NULL THEN e.payload
                       WHEN u.at_from IS NULL
                       THEN jsonb_set(e.payload, '{data,location_to,on_hand}', to_jsonb(u.at_to))
                       WHEN u.at_to IS NULL
                       THEN jsonb_set(e.payload, '{data,location_from,on_hand}', to_jsonb(u.at_from))
                       ELSE jsonb_set(
                           jsonb_set(e.payload, '{data,location_from,on_hand}', to_jsonb(u.at_from)),
                           '{data,location_to,on_hand}', to_jsonb(u.at_to))
                   END
              FROM unnest(%s::int[], %s::int[], %s::numeric[], %s::numeric[])
                   AS u(id, number, at_from, at_to)
             WHERE e.id = u.id
            """,
            (event_ids, numbers, at_from, at_to),
        )
        # The deliveries come to be here, numbered: the stock transaction wrote
        # the event alone.
        for event, number in zip(events, numbers, strict=True):
            event["sequence"] = number
        self.env["stock.sync.delivery"]._fan_out_numbered(events, fingerprint)
        return len(rows)

    @api.model
    def _events_to_fan_out(self, ids):
        """The unnumbered events among ``ids`` (list of event ids), as the
        fan-out reads them, and the endpoints' routing fingerprint, in one
        statement: ``([dict], fingerprint)``, the events in id order (see
        ``stock.sync.delivery._fan_out_numbered`` for their keys); the
        fingerprint is None when there is no such event.

        Each event is one lookup by id (the LIMIT keeps the subquery from
        being merged into a join): once ANALYZE has seen every event
        numbered (the steady state), the planner took "sequence IS NULL" for
        one row, walked the whole event table by its key and compared each
        row it kept with every listed id: 3.5 s for 10,000 events after a
        first backlog.
        """
        self.env.cr.execute(
            SQL(
                """
            SELECT e.*, f.fingerprint
              FROM (SELECT %(fingerprint)s AS fingerprint) AS f
             CROSS JOIN unnest(%(ids)s::int[]) AS t(id)
             CROSS JOIN LATERAL (
                   SELECT s.id, s.partition_key, s.type, s.company_id, s.product_categ_id,
                          s.move_line_id, s.operation, s.criticality, s."timestamp",
                          s.create_date, s.routing, %(effect_columns)s
                     FROM stock_sync_event s
                    WHERE s.id = t.id AND s.sequence IS NULL
                    LIMIT 1
                   ) e
             ORDER BY e.id
            """,
                # sudo: the fan-out routes with every company's endpoints.
                fingerprint=self.env["stock.sync.endpoint"].sudo()._routing_fingerprint_sql(),
                ids=list(ids),
                effect_columns=EFFECT_COLUMNS,
            )
        )
        events = self.env.cr.dictfetchall()
        fingerprint = events[0].pop("fingerprint") if events else None
        for event in events[1:]:
            del event["fingerprint"]
        return events, fingerprint

    @api.model
    def _waiting_events_for(self, endpoint_ids):
        """Ids of the committed events not numbered yet that the dispatcher will
        send to one of ``endpoint_ids`` (list of ``stock.sync.endpoint`` ids):
        in flight to them, with no delivery yet. Reads the numbering queue
        (seconds of events), writes nothing."""
        if not endpoint_ids:
            return []
        self.env.cr.execute("SELECT id FROM stock_sync_numbering ORDER BY id")
        listed = [row[0] for row in self.env.cr.fetchall()]
        wanted, waiting = set(endpoint_ids), set()
        Delivery = self.env["stock.sync.delivery"]
        # In chunks: a dispatcher that was down leaves a long list.
        for ids in split_every(10000, listed, list):
            events, fingerprint = self._events_to_fan_out(ids)
            waiting.update(
                event_id
                for event_id, endpoint_id, _due in Delivery._fan_out_rows_of(events, fingerprint)
                if endpoint_id in wanted
            )
        return sorted(waiting)
