from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class StockSyncReconciliationTolerance(models.Model):
    """How far a snapshot may differ from Odoo before a person looks at it.

    The most specific active rule of a difference wins: one on its location
    (or a parent location) before one on its product category (or a parent
    category) before a company-wide one; then by sequence.
    """

    _name = "stock.sync.reconciliation.tolerance"
    _description = "Reconciliation Tolerance Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    categ_id = fields.Many2one("product.category", "Product Category")
    location_id = fields.Many2one(
        "stock.location", check_company=True, domain="[('usage', '=', 'internal')]"
    )
    abs_qty = fields.Float(
        "Absolute Tolerance",
        digits="Product Unit of Measure",
        help="A difference of at most this quantity (in the product's unit) is within tolerance.",
    )
    percent = fields.Float(
        "Percent Tolerance",
        help="A difference of at most this percent of Odoo's quantity is within tolerance.",
    )
    auto_accept = fields.Boolean(
        "Auto-Accept",
        help="Differences within tolerance are accepted and corrected without approval.",
    )
    approval_value = fields.Monetary(
        "Manager Approval From",
        currency_field="currency_id",
        help="Differences worth at least this (at cost) need an Inventory Sync Manager's approval. "
        "0: the default of the system parameter stock_sync_reconciliation.approval_value.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    _sql_constraints = [
        ("abs_positive", "CHECK(abs_qty >= 0)", "The absolute tolerance cannot be negative."),
        ("percent_positive", "CHECK(percent >= 0)", "The percent tolerance cannot be negative."),
        ("value_positive", "CHECK(approval_value >= 0)", "The approval value cannot be negative."),
    ]

    @api.constrains("location_id", "company_id")
    def _check_location(self):
        for rule in self:
            if rule.location_id and rule.location_id.usage != "internal":
                raise ValidationError(_("Tolerance %s: choose an internal location.", rule.name))
