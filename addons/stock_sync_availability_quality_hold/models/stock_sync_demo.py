from odoo import api, models


class StockSyncDemo(models.AbstractModel):
    _inherit = "stock.sync.demo"

    @api.model
    def _demo_hold(self, product_id, quantity, bucket, reason_id):
        """Put ``quantity`` of a product of the main warehouse's stock on hold, as its
        quality manager would (demo data only, for the planner dashboard's held stock)."""
        warehouse = self.env.ref("stock.warehouse0")
        admin = self.env.ref("base.user_admin")
        quant = self.env["stock.quant"].search(
            [
                ("product_id", "=", product_id),
                ("location_id", "=", warehouse.lot_stock_id.id),
                ("quantity", ">=", quantity),
            ],
            limit=1,
        )
        if quant:
            quant.with_user(admin)._quality_action(
                "hold",
                self.env["stock.quality.hold.reason"].browse(reason_id),
                bucket=bucket,
                quantity=quantity,
            )
