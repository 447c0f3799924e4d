from odoo import api, models


class StockWarehouseOrderpoint(models.Model):
    """Safety stock is the reordering rules' minimum: a change moves availability."""

    _inherit = "stock.warehouse.orderpoint"

    @api.model_create_multi
    def create(self, vals_list):
        orderpoints = super().create(vals_list)
        self.env["stock.sync.availability.dirty"]._mark(orderpoints.product_id)
        return orderpoints

    def write(self, vals):
        if {"product_min_qty", "active", "warehouse_id", "product_id"}.isdisjoint(vals):
            return super().write(vals)
        products = self.product_id
        result = super().write(vals)
        self.env["stock.sync.availability.dirty"]._mark(products | self.product_id)
        return result

    def unlink(self):
        products = self.product_id
        result = super().unlink()
        self.env["stock.sync.availability.dirty"]._mark(products)
        return result
