# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    barcode_scan_id = fields.Many2one(
        "mrp.barcode.scan",
        "Scan",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The scan that consumed this component move at once (a done split-off of "
        "the order's raw move).",
    )
    barcode_scanned = fields.Boolean(
        "Consumed by Scan",
        readonly=True,
        copy=False,
        help="Posted at once by the barcode consumption service, before the order closes.",
    )
    barcode_planned_qty = fields.Float(
        "Planned Share of Scan",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="How much of the component's planned quantity this scan took over from the "
        "open raw move, in the product's unit. The rest of the scan, if any, was "
        "consumed beyond the plan.",
    )
