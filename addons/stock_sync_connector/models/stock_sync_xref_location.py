from odoo import fields, models


class StockSyncXrefLocation(models.Model):
    _name = "stock.sync.xref.location"
    _inherit = "stock.sync.xref.mixin"
    _description = "External Location"

    external_code = fields.Char("External Location")
    location_id = fields.Many2one(
        "stock.location",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
        domain="[('usage', '=', 'internal')]",
    )
