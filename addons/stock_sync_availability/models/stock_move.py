from odoo import api, models

# The fields of a move that change available to promise when they change.
ATP_FIELDS = frozenset(
    {
        "state",
        "product_uom_qty",
        "product_qty",
        "product_uom",
        "date",
        "location_id",
        "location_dest_id",
        "product_id",
    }
)


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        self.env["stock.sync.availability.dirty"]._mark(moves.product_id)
        return moves

    def write(self, vals):
        if ATP_FIELDS.isdisjoint(vals):
            return super().write(vals)
        products = self.product_id
        result = super().write(vals)
        # Before and after: a changed product counts for both.
        self.env["stock.sync.availability.dirty"]._mark(products | self.product_id)
        return result
