from odoo import api, fields, models

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
    def _number_new_events(self, limit=10000):
        """Number up to ``limit`` committed events that have no sequence yet.

        Per key, in id order among those visible now; events that commit
        later get later numbers. The events come from ``stock.sync.numbering``
        (``emit`` lists each event there), whose rows are deleted here. Sets
        the ``sequence`` column and the CloudEvents ``sequence`` of the
        payload (20 digits, so text order is number order), and the
        deliveries' copy. Only one transaction numbers at a time (an advisory
        lock, tried, never waited for). Returns how many events were
        numbered, or None when another transaction is numbering right now.

        The events and deliveries are reached by their ids (``= ANY``), so the
        cost is that of the events numbered, whatever the size of the
        tables or the state of the planner's statistics.
        """
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (NUMBERING_LOCK,))
        if not cr.fetchone()[0]:
            return None  # another dispatcher is numbering right now
        # Every row is reached through an index, by id: never a scan of the queue
        # or of the outbox tables, which are large and whose planner statistics
        # are stale during a burst (the planner chose scans of the whole table,
        # once per chunk). Only for these statements of this transaction.
        cr.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        seqscan = cr.fetchone()[0]
        cr.execute(
            """
            DELETE FROM stock_sync_numbering
             WHERE id = ANY(ARRAY(SELECT id FROM stock_sync_numbering ORDER BY id LIMIT %s))
         RETURNING id
            """,
            (limit,),
        )
        ids = [row[0] for row in cr.fetchall()]
        if not ids:
            cr.execute("SELECT set_config('enable_seqscan', %s, true)", (seqscan,))
            return 0
        cr.execute(
            """
            WITH fresh AS (
                SELECT e.id, e.partition_key,
                       row_number() OVER (PARTITION BY e.partition_key ORDER BY e.id) AS n
                  FROM stock_sync_event e
                 WHERE e.id = ANY(%(ids)s) AND e.sequence IS NULL
            ), counts AS (
                SELECT partition_key, MAX(n) AS n FROM fresh GROUP BY partition_key
            ), counters AS (
                INSERT INTO stock_sync_sequence (partition_key, last_value)
                SELECT partition_key, n FROM counts
                ON CONFLICT (partition_key)
                DO UPDATE SET last_value = stock_sync_sequence.last_value + EXCLUDED.last_value
                RETURNING partition_key, last_value
            ), numbered AS (
                UPDATE stock_sync_event e
                   SET sequence = c.last_value - k.n + f.n,
                       payload = jsonb_set(e.payload, '{sequence}',
                                           to_jsonb(lpad((c.last_value - k.n + f.n)::text, 20, '0')))
                  FROM fresh f
                  JOIN counts k ON k.partition_key = f.partition_key
                  JOIN counters c ON c.partition_key = f.partition_key
                 WHERE e.id = f.id AND e.id = ANY(%(ids)s)
             RETURNING e.id, e.sequence
            ), deliveries AS (
                UPDATE stock_sync_delivery d SET sequence = numbered.sequence
                  FROM numbered
                 WHERE d.event_id = numbered.id AND d.event_id = ANY(%(ids)s)
                RETURNING 1
            )
            SELECT (SELECT COUNT(*) FROM numbered), (SELECT COUNT(*) FROM deliveries)
            """,
            {"ids": ids},
        )
        events, _deliveries = cr.fetchone()
        cr.execute("SELECT set_config('enable_seqscan', %s, true)", (seqscan,))
        if not events:
            # Only rows of events deleted meanwhile: look further, 0 means "none left".
            return self._number_new_events(limit)
        self.env["stock.sync.event"].invalidate_model(["sequence", "payload"])
        self.env["stock.sync.delivery"].invalidate_model(["sequence"])
        return events
