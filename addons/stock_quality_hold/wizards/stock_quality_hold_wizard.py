from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.stock_quality_hold_history import ACTIONS


class StockQualityHoldWizard(models.TransientModel):
    """Hold, release or reject selected quants or lots, with a mandatory reason."""

    _name = "stock.quality.hold.wizard"
    _inherit = "stock.quality.wizard.mixin"
    _description = "Quality Hold, Release or Reject"

    action = fields.Selection(ACTIONS, required=True, default="hold")
    bucket = fields.Selection(
        [("qa_hold", "QA Hold"), ("quarantine", "Quarantine")],
        default="qa_hold",
        help="Where held stock goes: QA hold awaits inspection, quarantine is for "
        "suspect or recalled stock.",
    )
    result = fields.Text(readonly=True)

    @api.onchange("quant_ids")
    def _onchange_quant_ids(self):
        if len(self.quant_ids) == 1:
            self.quantity = self.quant_ids.quantity - self.quant_ids.reserved_quantity

    @api.model
    def _open_for(self, model, records, action):
        """The wizard's window action for ``records`` (quants or lots)."""
        context = {"default_action": action}
        if action == "hold" and model == "stock.lot":
            context["default_bucket"] = "quarantine"
        return self._open_action(model, records, dict(ACTIONS)[action], context)

    def action_confirm(self):
        self.ensure_one()
        if not self.reason_id:
            raise UserError(_("Choose a reason: every quality action needs one."))
        if self.lot_ids:
            lots = self.lot_ids
            if self.action == "hold":
                histories, skipped = lots.action_quality_recall(
                    self.reason_id, self.note, bucket=self.bucket
                )
            elif self.action == "release":
                histories, skipped = lots.action_quality_release(self.reason_id, self.note)
            else:
                histories, skipped = lots.action_quality_reject(self.reason_id, self.note)
        else:
            quantity = self.quantity if len(self.quant_ids) == 1 else None
            histories, skipped = self.quant_ids._quality_action(
                self.action, self.reason_id, bucket=self.bucket, quantity=quantity, note=self.note
            )
        lines = [
            self.env._(
                "Moved %(qty)s %(uom)s %(product)s%(lot)s: %(src)s → %(dest)s",
                qty=f"{h.quantity:g}",
                uom=h.product_uom_id.name,
                product=h.product_id.display_name,
                lot=f" ({h.lot_id.name})" if h.lot_id else "",
                src=h.location_id.complete_name,
                dest=h.location_dest_id.complete_name,
            )
            for h in histories
        ]
        lines += [
            self.env._("Not moved: %(qty)s, %(why)s", qty=f"{qty:g}", why=why)
            for _q, qty, why in skipped
        ]
        if not skipped:
            return {"type": "ir.actions.act_window_close"}
        self.result = "\n".join(lines) or _("Nothing moved.")
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("What moved, and what could not"),
        }
