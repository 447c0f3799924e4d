from odoo import fields, models


class StockSyncInbound(models.Model):
    _inherit = "stock.sync.inbound"

    source = fields.Selection(
        selection_add=[("broker", "Message broker")], ondelete={"broker": "cascade"}
    )
