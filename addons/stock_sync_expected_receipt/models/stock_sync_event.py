from odoo import fields, models


class StockSyncEvent(models.Model):
    _inherit = "stock.sync.event"

    operation = fields.Selection(
        selection_add=[("expected_receipt", "Expected receipt")],
        ondelete={"expected_receipt": "set null"},
    )
