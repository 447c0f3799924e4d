from odoo import models
from odoo.tools import SQL


class StockSyncNumbering(models.Model):
    """Events written but not numbered yet: the dispatcher's to-do list.

    ``emit`` adds one row per event, whose ``id`` is the event's id, in the
    statement that writes the event; ``stock.sync.sequence._number_new_events``
    takes the rows (lowest ids first) and deletes them as it numbers their
    events, after commit. The list stays small: events are numbered within
    seconds.

    Why a table of its own rather than an index of the events ``WHERE
    sequence IS NULL``: an index whose condition names ``sequence`` makes
    every numbering a new version of the event in all ten of its indexes.
    Without it, numbering changes no indexed column of the event, and
    PostgreSQL updates the row in place (a HOT update, the event table keeps
    free room in its pages for it: fillfactor): numbering costs a quarter of
    what it did.
    """

    _name = "stock.sync.numbering"
    _description = "Inventory Event Waiting for Its Sequence"
    _log_access = False
    _order = "id"
    # No field but ``id``, which is the event's id. No foreign key: a row is
    # deleted when its event is numbered, and one whose event was deleted
    # first (never committed events leave none) is simply dropped then.

    def init(self):
        # Odoo recreates a missing table through init() alone when another
        # module is updated (Registry.check_tables_exist): a database whose
        # stock_sync predates this model still gets its queue then, with the
        # events waiting for a number (a full update does this in its migration).
        cr = self.env.cr
        cr.execute("SELECT to_regclass(%s)", (self._table,))
        if cr.fetchone()[0] is None:
            cr.execute(
                SQL(
                    "CREATE TABLE %(table)s (id integer PRIMARY KEY);"
                    " INSERT INTO %(table)s (id)"
                    " SELECT id FROM stock_sync_event WHERE sequence IS NULL",
                    table=SQL.identifier(self._table),
                )
            )
