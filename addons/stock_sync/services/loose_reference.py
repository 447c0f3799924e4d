"""A many2one whose column has no foreign key in PostgreSQL.

The outbox is written inside every stock transaction, and PostgreSQL checks
each foreign key of each new row with a query that also locks the row it
points to: measured on a 3-line receipt, the checks of the events and their
deliveries took 1.8 ms of the 4.0 ms their INSERT cost (1.7 % of the
receipt), more than any other part of capture. The references given this
field point at what Odoo itself keeps alive as long as the stock history
that mentions it: a location with stock moves or quants cannot be deleted
(their foreign keys restrict it), nor can a done move line. Every event's
payload is self-contained anyway, so the check buys nothing there, and the
row lock it takes on a busy location is one more thing concurrent stock
transactions share. Since 18.0.1.7.0 the event's company and product go
without one too (their checks were still 0.45 ms of the statement's 2.1 ms
in a receipt): a company named by events is not deleted (``res.company``'s
hook raises, as "restrict" did), and a product known only from lot events,
which may be deleted, is let go of. Only the event's lot (rarely set, so
rarely checked) and a delivery's event and endpoint keep their foreign key.
What only repeats those (a delivery's company and product), the product's
category at capture time, and the log users (Odoo archives users rather
than deletes them) go without. What their foreign key's "set null" did is
done by ``let_go``, from an ``@api.ondelete`` hook of the record deleted:
once per deletion, which is rare, instead of a check per event written.
"""

from odoo import fields
from odoo.tools import SQL


class LooseMany2one(fields.Many2one):
    """``fields.Many2one`` without the database constraint (and so without ``ondelete``)."""

    def update_db_foreign_key(self, model, column):
        # No constraint: see the module's docstring.
        return


def drop_foreign_keys(cr, table, columns):
    """Drop the foreign keys of ``columns`` (names) of ``table`` that an earlier
    version created, with their ``ir.model.constraint`` rows: for a migration
    that turns ``fields.Many2one`` fields into ``LooseMany2one`` ones (Odoo
    never drops a constraint by itself)."""
    cr.execute(
        """
        SELECT con.conname
          FROM pg_constraint con
          JOIN pg_attribute att
            ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
         WHERE con.contype = 'f' AND con.conrelid = %s::regclass
           AND att.attname = ANY(%s)
        """,
        (table, list(columns)),
    )
    for (name,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(table),
                SQL.identifier(name),
            )
        )
        cr.execute("DELETE FROM ir_model_constraint WHERE name = %s AND type = 'f'", (name,))


def let_go(records, references):
    """Empty the ``LooseMany2one`` fields that name ``records``, which are
    being deleted: what a foreign key's ``ON DELETE SET NULL`` does. Where
    the field has no index this scans its table: for what is rarely deleted
    (a category, a user); the delivery's product goes through its event's
    indexed product instead (``product.product._stock_sync_let_go``).

    :param records: the records being deleted (from their model's
        ``@api.ondelete`` hook).
    :param references: ``((model name, field name), ...)`` of
        ``LooseMany2one`` fields whose comodel is ``records``'s model.
    """
    if not records:
        return
    for model_name, field_name in references:
        model = records.env[model_name]
        model.flush_model([field_name])
        records.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = NULL WHERE %s = ANY(%s)",
                SQL.identifier(model._table),
                SQL.identifier(field_name),
                SQL.identifier(field_name),
                records.ids,
            )
        )
        model.invalidate_model([field_name])
