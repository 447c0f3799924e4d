from odoo import fields, models

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
