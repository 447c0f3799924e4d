from odoo import fields, models


class StockSyncSequence(models.Model):
    """Gap-free, monotonic counter per partition key.

    Taking the next numbers locks the key's row until commit, so a later
    transaction on the same key waits: commit order equals sequence order and
    a receiver can detect a missing event of a key by a gap.
    """

    _name = "stock.sync.sequence"
    _description = "Inventory Event Sequence per Partition Key"
    _log_access = False

    partition_key = fields.Char(required=True, index=True)
    last_value = fields.Integer(required=True, default=0)

    _sql_constraints = [
        ("partition_key_unique", "unique(partition_key)", "One counter per partition key."),
    ]

    def _reserve(self, counts):
        """Reserve ``counts[key]`` numbers per key; return the first number of each."""
        if not counts:
            return {}
        keys = sorted(counts)  # a fixed order avoids deadlocks between transactions
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_sequence (partition_key, last_value)
            SELECT key, n FROM unnest(%s::varchar[], %s::int[]) AS t(key, n)
            ON CONFLICT (partition_key)
            DO UPDATE SET last_value = stock_sync_sequence.last_value + EXCLUDED.last_value
            RETURNING partition_key, last_value
            """,
            (keys, [counts[k] for k in keys]),
        )
        return {key: last - counts[key] + 1 for key, last in self.env.cr.fetchall()}
