from odoo import fields, models

AVAILABLE = "available"
BUCKETS = [
    (AVAILABLE, "Available (released)"),
    ("qa_hold", "QA Hold"),
    ("quarantine", "Quarantine"),
    ("rejected", "Rejected"),
]


class StockSyncXrefStatus(models.Model):
    """An external stock status and the quality-hold bucket it means.

    Several statuses may mean one bucket (e.g. DAMAGED and REJECTED); outbound,
    a bucket is sent as its first status (the oldest mapping).
    """

    _name = "stock.sync.xref.status"
    _inherit = "stock.sync.xref.mixin"
    _description = "External Stock Status"
    _order = "backend_id, id"

    external_code = fields.Char("External Status")
    bucket = fields.Selection(
        BUCKETS,
        required=True,
        help="Available: released stock in the warehouse; the others: the warehouse's "
        "hold bucket of that name.",
    )
