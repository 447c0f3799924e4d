from odoo import fields, models

from .stock_quality_lims_disposition import RESULTS


class StockLot(models.Model):
    _inherit = "stock.lot"

    lims_disposition_id = fields.Many2one(
        "stock.quality.lims.disposition",
        "Last Lab Decision",
        readonly=True,
        help="The newest lab decision applied to this lot; an older one never overrides it.",
    )
    lims_result = fields.Selection(RESULTS, "Lab Result", readonly=True, tracking=True)
    lims_decided_at = fields.Datetime(
        "Lab Decided At", related="lims_disposition_id.decided_at", store=True
    )
    lims_retest_date = fields.Date("Retest Date", readonly=True, tracking=True)
    lims_restriction = fields.Text(
        "Release Restriction", readonly=True, help="What a conditional release allows."
    )
    lims_coa_ref = fields.Char("Certificate of Analysis", readonly=True)
    lims_disposition_ids = fields.One2many(
        "stock.quality.lims.disposition", "lot_id", "Lab Decisions", readonly=True
    )

    def _stock_sync_tracked_fields(self):
        """The lab's verdict travels with the lot: WMS and MES hear it as a lot event."""
        return super()._stock_sync_tracked_fields() + [
            "lims_result",
            "lims_retest_date",
            "lims_restriction",
            "lims_coa_ref",
        ]
