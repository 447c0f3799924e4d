from odoo import fields, models


class StockQualityHoldReason(models.Model):
    """Why stock is held, released or rejected: mandatory on every action."""

    _name = "stock.quality.hold.reason"
    _description = "Quality Hold Reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable code, e.g. for the events other systems read.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to offer the reason in every company."
    )

    _sql_constraints = [
        ("code_company_unique", "unique(code, company_id)", "A reason code must be unique."),
    ]
