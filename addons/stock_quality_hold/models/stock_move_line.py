from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    lot_quality_status = fields.Selection(
        related="lot_id.quality_status", string="Lot Quality Status"
    )
