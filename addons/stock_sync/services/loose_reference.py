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
transactions share. References to records that may be deleted while events
still name them (a product or a lot known only from lot events, a
category) and those the outbox relies on (company, event, endpoint) keep
their foreign key.
"""

from odoo import fields


class LooseMany2one(fields.Many2one):
    """``fields.Many2one`` without the database constraint (and so without ``ondelete``)."""

    def update_db_foreign_key(self, model, column):
        # No constraint: see the module's docstring.
        return
