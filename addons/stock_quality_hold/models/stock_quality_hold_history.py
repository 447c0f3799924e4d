from odoo import fields, models

from .stock_location import BUCKETS

ACTIONS = [("hold", "Hold"), ("release", "Release"), ("reject", "Reject")]
# Rejected stock leaves the books: scrapped or returned to the vendor.
DISPOSALS = [("scrap", "Scrap"), ("return", "Return to Vendor")]


class StockQualityHoldHistory(models.Model):
    """One quality action on one quantity: who, when, why, how much, from where, to where.

    Written by the actions only (``stock.quant._quality_action``), never edited.
    """

    _name = "stock.quality.hold.history"
    _description = "Quality Hold History"
    _order = "date desc, id desc"
    _rec_name = "product_id"

    action = fields.Selection(
        ACTIONS + [("disposal", "Disposal")], required=True, readonly=True, index=True
    )
    bucket = fields.Selection(
        BUCKETS,
        readonly=True,
        index=True,
        help="The bucket the stock entered (hold, reject) or left (release).",
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", "Done By", required=True, readonly=True)
    reason_id = fields.Many2one(
        "stock.quality.hold.reason", required=True, readonly=True, ondelete="restrict"
    )
    note = fields.Text(readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id")
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True, index=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    location_id = fields.Many2one("stock.location", "From", required=True, readonly=True)
    location_dest_id = fields.Many2one("stock.location", "To", required=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    move_id = fields.Many2one("stock.move", "Stock Move", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    disposal_method = fields.Selection(
        DISPOSALS, readonly=True, help="For a disposal: scrapped, or returned to the vendor."
    )
    scrap_id = fields.Many2one("stock.scrap", "Scrap Order", readonly=True)
    picking_id = fields.Many2one("stock.picking", "Return Transfer", readonly=True)
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True)

    def _quality_recorded(self):
        """Called once the actions these records describe are done (same transaction).

        Stamps the held quants with when and why they entered their bucket (the
        held-stock views and the hold-aging report read it). Hook for glue
        modules (stock_quality_hold_sync emits events here).
        """
        for record in self.filtered(lambda h: h.action in ("hold", "reject")):
            if not record.location_dest_id.quality_bucket:
                continue
            # sudo: outside inventory mode Odoo lets no stock user write quants;
            # these two fields are the hold's own bookkeeping.
            quants = (
                self.env["stock.quant"]
                .sudo()
                .search(
                    [
                        ("location_id", "=", record.location_dest_id.id),
                        ("product_id", "=", record.product_id.id),
                        ("lot_id", "=", record.lot_id.id),
                        ("quantity", ">", 0),
                        ("quality_held_since", "=", False),
                    ]
                )
            )
            # The oldest hold names the age of merged stock: what waited longest.
            quants.write(
                {"quality_held_since": record.date, "quality_reason_id": record.reason_id.id}
            )
        return True
