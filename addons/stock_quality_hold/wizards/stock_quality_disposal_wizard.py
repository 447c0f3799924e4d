from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.stock_quality_hold_history import DISPOSALS


class StockQualityDisposalWizard(models.TransientModel):
    """Scrap rejected stock, or return it to the vendor, with a mandatory reason."""

    _name = "stock.quality.disposal.wizard"
    _inherit = "stock.quality.wizard.mixin"
    _description = "Scrap or Return Rejected Stock"

    method = fields.Selection(DISPOSALS, required=True, default="scrap")
    partner_id = fields.Many2one(
        "res.partner",
        "Vendor",
        help="Who the stock goes back to. Empty: the vendor of the receipt that brought "
        "each lot in.",
    )
    vendor_unknown = fields.Boolean(
        compute="_compute_vendor_unknown",
        help="Some of the stock has no known vendor: choose one.",
    )

    @api.depends("quant_ids", "lot_ids", "method")
    def _compute_vendor_unknown(self):
        for wizard in self:
            quants = wizard._rejected_quants(raise_if_none=False)
            wizard.vendor_unknown = wizard.method == "return" and any(
                not quant._quality_vendor()[0] for quant in quants
            )

    @api.model
    def _open_for(self, model, records, method):
        """The wizard's window action for ``records`` (quants or lots)."""
        return self._open_action(
            model, records, dict(DISPOSALS)[method], {"default_method": method}
        )

    def _rejected_quants(self, raise_if_none=True):
        if self.lot_ids:
            if not raise_if_none:
                return self.lot_ids._quality_quants(in_buckets=True).filtered(
                    lambda q: q.quality_bucket == "rejected"
                )
            return self.lot_ids._quality_rejected_quants()
        return self.quant_ids

    def action_confirm(self):
        self.ensure_one()
        if not self.reason_id:
            raise UserError(_("Choose a reason: every quality action needs one."))
        quantity = self.quantity if len(self.quant_ids) == 1 and not self.lot_ids else None
        self._rejected_quants()._quality_dispose(
            self.method,
            self.reason_id,
            quantity=quantity,
            note=self.note,
            partner=self.partner_id or None,
        )
        return {"type": "ir.actions.act_window_close"}
