from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """Lab decisions that waited for a lot are applied when it is received."""
        done = super()._action_done(cancel_backorder=cancel_backorder)
        lots = done.filtered(
            lambda m: m.state == "done" and m.location_id.usage in ("supplier", "customer")
        ).move_line_ids.lot_id
        if lots:
            self.env["stock.quality.lims.disposition"]._lims_apply_waiting(lots)
        return done
