from odoo import models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _stock_sync_event_data(self, recorded_at, shared=None):
        data = super()._stock_sync_event_data(recorded_at, shared)
        manufacturing = self.move_id._stock_sync_manufacturing()
        if manufacturing:
            data["manufacturing"] = manufacturing
            if manufacturing["production"] and not data["picking"]:
                data["reference"] = (
                    manufacturing["unbuild"]["name"]
                    if manufacturing["unbuild"]
                    else manufacturing["production"]["name"]
                )
        return data
