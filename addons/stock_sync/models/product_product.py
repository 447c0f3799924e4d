from odoo import api, models

from ..services.loose_reference import let_go


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.ondelete(at_uninstall=True)
    def _stock_sync_let_go(self):
        """The event's product and the delivery's copy of it have no foreign key
        (services/loose_reference.py): empty them, as "set null" did. Only
        deliveries of these products' events can name them, found through the
        event's indexed product (a variant Odoo fails to delete, because of its
        moves, then costs no scan of the deliveries); the events' go last."""
        self.env["stock.sync.delivery"].flush_model(["product_id"])
        self.env.cr.execute(
            """
            UPDATE stock_sync_delivery d SET product_id = NULL
              FROM stock_sync_event e
             WHERE e.product_id = ANY(%s) AND d.event_id = e.id AND d.product_id = e.product_id
            """,
            (self.ids,),
        )
        self.env["stock.sync.delivery"].invalidate_model(["product_id"])
        let_go(self, [("stock.sync.event", "product_id")])
