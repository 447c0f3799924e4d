from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    quality_inspect_on_receipt = fields.Boolean(
        "Inspect on Receipt",
        help="Received quantities land in the warehouse's QA hold bucket and wait there "
        "until a quality manager releases them. Also required when the product category "
        "(or one of its parents) asks for it.",
    )
