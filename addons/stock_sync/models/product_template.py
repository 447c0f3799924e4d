from odoo import api, fields, models

from .stock_sync_event import CRITICALITIES


class ProductTemplate(models.Model):
    _inherit = "product.template"

    stock_sync_criticality = fields.Selection(
        CRITICALITIES,
        "Sync Criticality",
        help="Critical material is sent in real time; bulk may go in scheduled batches. "
        "Empty: as the product category.",
    )

    def _stock_sync_criticality(self):
        self.ensure_one()
        return self.stock_sync_criticality or self.categ_id._stock_sync_criticality()

    @api.ondelete(at_uninstall=True)
    def _stock_sync_let_go(self):
        # Variants go with their template (their "cascade"), without their own hook.
        self.with_context(active_test=False).product_variant_ids._stock_sync_let_go()
