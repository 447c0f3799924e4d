from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    reconciliation_id = fields.Many2one(
        "stock.sync.reconciliation",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The reconciliation run whose approved difference this inventory adjustment corrects.",
    )
