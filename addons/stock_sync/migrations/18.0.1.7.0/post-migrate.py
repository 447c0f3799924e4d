"""18.0.1.7.0: the event's company and product lose their foreign key.

Their checks were a third of the time of capture's one statement in a
receipt (see ``services/loose_reference.py``). ``res.company`` and
``product.product`` hooks now do what "restrict" and "set null" did.
"""

from odoo.addons.stock_sync.services.loose_reference import drop_foreign_keys


def migrate(cr, version):
    drop_foreign_keys(cr, "stock_sync_event", ("company_id", "product_id"))
