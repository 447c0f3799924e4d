from odoo import models

from odoo.addons.stock_sync.models.stock_move_line import capture_batch


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    def _post_inventory(self, cancel_backorder=False):
        # Components, then finished products and by-products: two _action_done
        # calls, captured together when the order's stock is posted.
        with capture_batch(self) as productions:
            return super(MrpProduction, productions)._post_inventory(
                cancel_backorder=cancel_backorder
            )
