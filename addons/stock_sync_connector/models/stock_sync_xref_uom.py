from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class StockSyncXrefUom(models.Model):
    """An external unit code: ``quantity x factor`` is the quantity in ``uom_id``."""

    _name = "stock.sync.xref.uom"
    _inherit = "stock.sync.xref.mixin"
    _description = "External Unit of Measure"

    external_code = fields.Char("External Unit")
    uom_id = fields.Many2one("uom.uom", "Odoo Unit", required=True, ondelete="cascade")
    factor = fields.Float(
        default=1.0,
        required=True,
        digits=(16, 6),
        help="How many Odoo units one external unit is, e.g. 12 for a box of 12.",
    )

    @api.constrains("factor")
    def _check_factor(self):
        for xref in self:
            if xref.factor <= 0:
                raise ValidationError(
                    _("The factor of unit %s must be positive.", xref.external_code)
                )
