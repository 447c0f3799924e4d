from odoo import api, fields, models

from ..services.loose_reference import let_go
from .stock_sync_event import CRITICALITIES


class ProductCategory(models.Model):
    _inherit = "product.category"

    stock_sync_criticality = fields.Selection(
        CRITICALITIES,
        "Sync Criticality",
        help="How fast inventory events of this category reach subscribers. "
        "Empty: as the parent category, or Standard at the top.",
    )

    def _stock_sync_criticality(self):
        category = self
        while category:
            if category.stock_sync_criticality:
                return category.stock_sync_criticality
            category = category.parent_id
        return "standard"

    @api.ondelete(at_uninstall=True)
    def _stock_sync_let_go(self):
        # The event's category has no foreign key (services/loose_reference.py).
        # Subcategories go with their parent (its "cascade"), without this hook.
        let_go(
            self.search([("id", "child_of", self.ids)]), [("stock.sync.event", "product_categ_id")]
        )
