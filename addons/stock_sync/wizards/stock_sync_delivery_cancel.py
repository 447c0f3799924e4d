from odoo import fields, models


class StockSyncDeliveryCancel(models.TransientModel):
    _name = "stock.sync.delivery.cancel"
    _description = "Cancel Event Deliveries"

    delivery_ids = fields.Many2many(
        "stock.sync.delivery",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    reason = fields.Text(required=True, help="Why these events will never reach the endpoint.")

    def action_cancel(self):
        self.ensure_one()
        self.delivery_ids._cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
