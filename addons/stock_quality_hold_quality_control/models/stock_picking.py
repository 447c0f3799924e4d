from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        """Validate, then hold what the inspections of the done moves inspect.

        OCA's ``quality_control_stock_oca`` creates the *after* inspections
        (and readies the *plan ahead* ones) at the end of its own
        ``_action_done``; it may create one inspection per lot by copying the
        first. The hold waits until all of them exist (the context key keeps
        ``qc.inspection.create`` from holding one by one), then holds each
        inspection's quantity in the QA hold bucket, in the same transaction as
        the validation: the stock is never free in between.
        """
        res = super(
            StockPicking, self.with_context(quality_hold_inspection_defer=True)
        )._action_done()
        # sudo: stock users validate receipts without Quality Control rights (OCA reads
        # the inspections the same way); the hold itself runs as the user.
        self.sudo().qc_inspections_ids._quality_hold_received()
        return res
