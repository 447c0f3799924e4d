from odoo import fields, models


class StockSyncXrefProduct(models.Model):
    _name = "stock.sync.xref.product"
    _inherit = "stock.sync.xref.mixin"
    _description = "External SKU of a Product"

    external_code = fields.Char("External SKU")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        domain="[('is_storable', '=', True)]",
    )

    _sql_constraints = [
        (
            "product_unique",
            "UNIQUE(backend_id, product_id)",
            "This product already has an external SKU for this backend: one product, one SKU.",
        )
    ]
