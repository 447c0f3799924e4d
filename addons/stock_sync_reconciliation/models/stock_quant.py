from odoo import models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _get_inventory_move_values(
        self, qty, location_id, location_dest_id, package_id=False, package_dest_id=False
    ):
        """Link the inventory adjustment to the reconciliation run that applies it."""
        values = super()._get_inventory_move_values(
            qty,
            location_id,
            location_dest_id,
            package_id=package_id,
            package_dest_id=package_dest_id,
        )
        run_id = self.env.context.get("stock_sync_reconciliation_id")
        if run_id:
            values["reconciliation_id"] = run_id
        return values
