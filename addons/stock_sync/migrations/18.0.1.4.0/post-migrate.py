"""18.0.1.4.0: fewer foreign-key checks in the stock transaction.

The copies a delivery keeps of its event's company and product, the event's
category, and the log users of events and deliveries are ``LooseMany2one``
fields now (see ``services/loose_reference.py``): their foreign keys are
dropped, with their ``ir.model.constraint`` rows. The delivery's product
index served the foreign key's "set null" only: it goes too.
"""

from odoo.addons.stock_sync.services.loose_reference import drop_foreign_keys

UNCONSTRAINED = {
    "stock_sync_event": ("product_categ_id", "create_uid", "write_uid"),
    "stock_sync_delivery": ("company_id", "product_id", "create_uid", "write_uid"),
}


def migrate(cr, version):
    for table, columns in UNCONSTRAINED.items():
        drop_foreign_keys(cr, table, columns)
    cr.execute("DROP INDEX IF EXISTS stock_sync_delivery__product_id_index")
