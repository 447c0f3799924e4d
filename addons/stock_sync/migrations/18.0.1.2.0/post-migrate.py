"""18.0.1.2.0: the numbering queue, and no foreign keys where the outbox needs none.

* Events waiting for their sequence are listed in ``stock_sync_numbering``.
  Before, the dispatcher found them through an index of ``stock_sync_event``
  ``WHERE sequence IS NULL`` (dropped by the model's ``init``, which also
  gives the table its fillfactor). Events written before the update and not
  numbered yet go into the new list here, or they would never be numbered,
  nor delivered.
* The event's locations and move line are ``LooseMany2one`` fields now (see ``services/loose_reference.py``):
  their foreign keys are dropped, with their ``ir.model.constraint`` rows.
"""

from odoo.addons.stock_sync.services.loose_reference import drop_foreign_keys

UNCONSTRAINED = {"stock_sync_event": ("location_id", "location_dest_id", "move_line_id")}


def migrate(cr, version):
    cr.execute(
        """
        INSERT INTO stock_sync_numbering (id)
        SELECT id FROM stock_sync_event WHERE sequence IS NULL
        ON CONFLICT (id) DO NOTHING
        """
    )
    for table, columns in UNCONSTRAINED.items():
        drop_foreign_keys(cr, table, columns)
