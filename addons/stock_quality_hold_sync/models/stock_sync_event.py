from odoo import fields, models


class StockSyncEvent(models.Model):
    _inherit = "stock.sync.event"

    operation = fields.Selection(
        selection_add=[("reject", "Reject")], ondelete={"reject": "set null"}
    )
