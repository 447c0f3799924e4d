"""18.0.1.3.0: no more leases; a claim is the batch transaction's row lock.

Dispatchers of earlier versions claimed a delivery by writing ``in_flight``
with a lease (``lease_until``, ``claim_token``); claims by row lock never write
it, and the state, its columns and the claim's branch for expired leases are gone.
A delivery an old dispatcher left in flight may or may not have reached its
receiver: it goes back to ``pending`` and is sent again (at-least-once;
receivers dedupe on the event id), its counted attempt kept. The queue's due
index loses the state from its condition: it is dropped here, and the model's
``init`` builds it again. The two columns go with their fields, when the
update removes them.
"""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE stock_sync_delivery
           SET state = 'pending', next_attempt_at = now() AT TIME ZONE 'UTC'
         WHERE state = 'in_flight'
        """
    )
    cr.execute("DROP INDEX IF EXISTS stock_sync_delivery_due_idx")
