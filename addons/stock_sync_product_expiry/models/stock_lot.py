from odoo import models


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _stock_sync_tracked_fields(self):
        return super()._stock_sync_tracked_fields() + [
            "expiration_date",
            "use_date",
            "removal_date",
            "alert_date",
        ]
