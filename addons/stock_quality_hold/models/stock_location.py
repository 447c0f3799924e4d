from odoo import fields, models

BUCKETS = [
    ("qa_hold", "QA Hold"),
    ("quarantine", "Quarantine"),
    ("rejected", "Rejected"),
]

# The lot status that stock in a bucket gives its lot, strongest last.
BUCKET_LOT_STATUS = {"qa_hold": "on_hold", "quarantine": "quarantined", "rejected": "rejected"}


class StockLocation(models.Model):
    _inherit = "stock.location"

    quality_bucket = fields.Selection(
        BUCKETS,
        readonly=True,
        index=True,
        help="A quality hold bucket: its stock is counted (internal location) but lies "
        "outside every warehouse's tree, so nothing reserves, consumes or promises it.",
    )
    quality_warehouse_id = fields.Many2one(
        "stock.warehouse",
        readonly=True,
        index=True,
        help="The warehouse this hold bucket belongs to; released stock goes back to "
        "its stock location.",
    )
