from odoo import models


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _stock_sync_tracked_fields(self):
        """Lot fields other systems care about; glue modules add dates."""
        return ["name", "ref"]

    def write(self, vals):
        changed = [f for f in self._stock_sync_tracked_fields() if f in vals]
        if changed:
            before = {lot.id: {f: lot[f] for f in changed} for lot in self}
        result = super().write(vals)
        if changed:
            lots = self.filtered(lambda lot: any(lot[f] != before[lot.id][f] for f in changed))
            self.env["stock.sync.event"]._capture_lot_changes(lots, changed)
        return result

    def _stock_sync_event_data(self, changed_fields, recorded_at):
        self.ensure_one()
        product = self.product_id
        values = {}
        for name in self._stock_sync_tracked_fields():
            value = self[name]
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            values[name] = value if value is not False else None
        return {
            "lot": {"id": self.id, "name": self.name},
            "product": {
                "id": product.id,
                "default_code": product.default_code or None,
                "barcode": product.barcode or None,
                "name": product.name,
            },
            "changed": sorted(changed_fields),
            "values": values,
            "company": {"id": self.company_id.id, "name": self.company_id.name}
            if self.company_id
            else None,
            "recorded_at": recorded_at,
        }
