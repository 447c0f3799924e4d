from odoo import fields, models


class StockSyncEndpoint(models.Model):
    _inherit = "stock.sync.endpoint"

    transport = fields.Selection(
        selection_add=[("wms_rest", "WMS over REST (through a backend)")],
        ondelete={"wms_rest": "set default"},
    )
