from odoo import fields, models


class StockQualityHoldHistory(models.Model):
    _inherit = "stock.quality.hold.history"

    qc_inspection_id = fields.Many2one(
        "qc.inspection",
        "Inspection",
        readonly=True,
        index="btree_not_null",
        groups="quality_control_oca.group_quality_control_user",
        help="The OCA inspection that held, released or rejected this quantity.",
    )
