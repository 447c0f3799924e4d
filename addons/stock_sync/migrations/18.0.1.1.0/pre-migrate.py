"""18.0.1.1.0: the event's per-key ordering column has the delivery's name, partition_key."""


def migrate(cr, version):
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'stock_sync_event' AND column_name = 'aggregateid'
        """
    )
    if cr.fetchone():
        cr.execute("ALTER TABLE stock_sync_event RENAME COLUMN aggregateid TO partition_key")
