from odoo import models

from .stock_move_line import PAYLOAD_LANG
from .stock_sync_event import iso_time


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _stock_sync_tracked_fields(self):
        """Lot fields other systems care about; glue modules add dates."""
        return ["name", "ref"]

    def _stock_sync_trigger_fields(self):
        """Fields whose write may change a tracked field, directly or by recomputation."""
        return {"product_id", *self._stock_sync_tracked_fields()}

    def _stock_sync_values(self):
        """The tracked fields as they go in the payload: JSON values, dates in UTC."""
        self.ensure_one()
        values = {}
        for name in self._stock_sync_tracked_fields():
            value, field_type = self[name], self._fields[name].type
            if not value and field_type != "boolean":
                value = None
            elif field_type == "datetime":
                value = iso_time(value)
            elif field_type == "date":
                value = value.isoformat()
            values[name] = value
        return values

    def write(self, vals):
        if self._stock_sync_trigger_fields().isdisjoint(vals):
            return super().write(vals)
        # Every tracked field is compared: writing one date makes the ORM
        # recompute the others (product_expiry), and receivers need them all.
        before = {lot.id: lot._stock_sync_values() for lot in self}
        result = super().write(vals)
        by_changes = {}
        for lot in self:
            after = lot._stock_sync_values()
            changed = tuple(sorted(f for f in after if after[f] != before[lot.id].get(f)))
            if changed:
                by_changes[changed] = by_changes.get(changed, self.browse()) | lot
        Event = self.env["stock.sync.event"]
        for changed, lots in by_changes.items():
            Event._capture_lot_changes(lots.with_context(lang=PAYLOAD_LANG), list(changed))
        return result

    def _stock_sync_event_data(self, changed_fields, recorded_at):
        self.ensure_one()
        product = self.product_id
        return {
            "lot": {"id": self.id, "name": self.name},
            "product": {
                "id": product.id,
                "default_code": product.default_code or None,
                "barcode": product.barcode or None,
                "name": product.name,
            },
            "changed": sorted(changed_fields),
            "values": self._stock_sync_values(),
            "company": {"id": self.company_id.id, "name": self.company_id.name}
            if self.company_id
            else None,
            "recorded_at": recorded_at,
        }
