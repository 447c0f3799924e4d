from odoo import api, models

# What an expected receipt says: a move's quantity, unit, product, date, state, transfer.
EXPECTED_FIELDS = frozenset(
    {"product_uom_qty", "product_uom", "product_id", "state", "date", "picking_id"}
)


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves.picking_id._stock_sync_expected_mark()
        return moves

    def write(self, vals):
        touched = EXPECTED_FIELDS.intersection(vals)
        before = self.picking_id if "picking_id" in vals else None
        result = super().write(vals)
        if touched:
            (self.picking_id | before if before else self.picking_id)._stock_sync_expected_mark()
        return result

    def unlink(self):
        self.picking_id._stock_sync_expected_mark()
        return super().unlink()
