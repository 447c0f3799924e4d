from odoo import models

from .stock_sync_event import iso_time

# Locations where Odoo keeps meaningful on-hand quantities.
STOCK_USAGES = ("internal", "transit")


def _ref(record, **extra):
    if not record:
        return None
    return {"id": record.id, "name": record.display_name, **extra}


# Fields of a done move line whose edition moves stock again.
CORRECTION_FIELDS = frozenset(
    {
        "quantity",
        "product_uom_id",
        "location_id",
        "location_dest_id",
        "lot_id",
        "package_id",
        "result_package_id",
        "owner_id",
    }
)


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def write(self, vals):
        done = (
            self.filtered(lambda ml: ml.state == "done")
            if CORRECTION_FIELDS & set(vals)
            else self.browse()
        )
        before = {line.id: line._stock_sync_snapshot() for line in done}
        result = super().write(vals)
        changed = done.filtered(lambda line: line._stock_sync_snapshot() != before[line.id])
        if changed:
            self.env["stock.sync.event"]._capture_move_lines(changed, corrected=before)
        return result

    def _stock_sync_snapshot(self):
        """What a receiver must undo when a done line is corrected."""
        self.ensure_one()
        return {
            "quantity": self.quantity_product_uom,
            "location_from": {"id": self.location_id.id, "name": self.location_id.complete_name},
            "location_to": {
                "id": self.location_dest_id.id,
                "name": self.location_dest_id.complete_name,
            },
            "lot": _ref(self.lot_id),
            "package": _ref(self.package_id),
            "result_package": _ref(self.result_package_id),
            "owner": _ref(self.owner_id),
        }

    def _stock_sync_on_hand(self):
        """On-hand quantity per (product, location) after the moves, in one query."""
        pairs = {
            (line.product_id.id, location.id)
            for line in self
            for location in (line.location_id, line.location_dest_id)
            if location.usage in STOCK_USAGES
        }
        if not pairs:
            return {}
        self.env["stock.quant"].flush_model(["product_id", "location_id", "quantity"])
        product_ids, location_ids = zip(*pairs, strict=True)
        self.env.cr.execute(
            """
            SELECT q.product_id, q.location_id, SUM(q.quantity)
              FROM stock_quant q
              JOIN unnest(%s::int[], %s::int[]) AS p(product_id, location_id)
                ON p.product_id = q.product_id AND p.location_id = q.location_id
             GROUP BY q.product_id, q.location_id
            """,
            (list(product_ids), list(location_ids)),
        )
        on_hand = dict.fromkeys(pairs, 0.0)
        on_hand.update({(p, loc): qty for p, loc, qty in self.env.cr.fetchall()})
        return on_hand

    def _stock_sync_location(self, location, on_hand):
        warehouse = location.warehouse_id
        return {
            "id": location.id,
            "name": location.complete_name,
            "usage": location.usage,
            "barcode": location.barcode or None,
            "warehouse": {"id": warehouse.id, "code": warehouse.code} if warehouse else None,
            "on_hand": on_hand.get((self.product_id.id, location.id)),
        }

    def _stock_sync_event_data(self, on_hand, recorded_at):
        """The self-contained ``data`` of a movement event (schema movement.v1)."""
        self.ensure_one()
        move, product = self.move_id, self.product_id
        picking = self.picking_id
        return {
            "operation": move._stock_sync_operation(),
            "reference": self.reference or move.reference or picking.name or None,
            "origin": move.origin or None,
            "move_id": move.id,
            "move_line_id": self.id,
            "picking": _ref(picking, type=picking.picking_type_id.code) if picking else None,
            "product": {
                "id": product.id,
                "default_code": product.default_code or None,
                "barcode": product.barcode or None,
                "name": product.name,
                "category": product.categ_id.complete_name,
                "uom": product.uom_id.name,
            },
            "lot": _ref(self.lot_id),
            "package": _ref(self.package_id),
            "result_package": _ref(self.result_package_id),
            "owner": _ref(self.owner_id),
            "quantity": self.quantity_product_uom,
            "uom": product.uom_id.name,
            "move_quantity": self.quantity,
            "move_uom": self.product_uom_id.name,
            "location_from": self._stock_sync_location(self.location_id, on_hand),
            "location_to": self._stock_sync_location(self.location_dest_id, on_hand),
            "company": {"id": self.company_id.id, "name": self.company_id.name},
            "occurred_at": iso_time(self.date),
            "recorded_at": recorded_at,
        }
