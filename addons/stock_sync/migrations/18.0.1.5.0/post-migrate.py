"""18.0.1.5.0: deliveries are written as events are numbered, not by capture.

Events written before the update and not numbered yet have their deliveries
already, waiting for the number (no claim takes a delivery without one).
Their endpoints go into the event's ``routing``, and the deliveries are
deleted: the numbering writes them again, numbered, to those endpoints
even where an endpoint's filters changed since.
"""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE stock_sync_event e
           SET routing = jsonb_build_object('endpoint_ids', d.endpoint_ids)
          FROM (SELECT d.event_id, jsonb_agg(DISTINCT d.endpoint_id) AS endpoint_ids
                  FROM stock_sync_numbering n
                  JOIN stock_sync_delivery d ON d.event_id = n.id
                 GROUP BY d.event_id) d
         WHERE e.id = d.event_id
        """
    )
    cr.execute(
        """
        DELETE FROM stock_sync_delivery d
         USING stock_sync_numbering n
         WHERE d.event_id = n.id AND d.sequence IS NULL
        """
    )
