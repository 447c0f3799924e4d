from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    quality_inspect_on_receipt = fields.Boolean(
        "Inspect on Receipt",
        help="Received quantities of the products of this category, and of its "
        "sub-categories, land in the warehouse's QA hold bucket and wait there until a "
        "quality manager releases them.",
    )
