from odoo import api, models

from ..services.loose_reference import let_go


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.ondelete(at_uninstall=False)
    def _stock_sync_let_go(self):
        # The event's product has a foreign key ("set null"); the delivery's
        # copy has none (services/loose_reference.py).
        let_go(self, [("stock.sync.delivery", "product_id")])
