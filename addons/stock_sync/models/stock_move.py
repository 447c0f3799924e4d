from odoo import models

from .stock_move_line import DEFERRAL_KEY, StockSyncDeferral


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        # Lines edited or created done while core finishes these moves (push
        # rules, backorders, kits) are captured once, with their final state.
        deferral = StockSyncDeferral()
        try:
            moves = super(StockMove, self.with_context(**{DEFERRAL_KEY: deferral}))._action_done(
                cancel_backorder=cancel_backorder
            )
            moves = moves.with_env(self.env)
            # Same transaction as the quants: both are committed, or neither.
            done_lines = moves.filtered(lambda m: m.state == "done").move_line_ids
            deferral.open = False
            batch = StockSyncDeferral.of(self.env)
            if batch:  # an enclosing operation captures everything at its end
                batch.add(done_lines.ids)
            else:
                done_lines._stock_sync_capture()
            self.env["stock.move.line"]._stock_sync_flush_deferral(deferral, set(done_lines.ids))
        finally:
            deferral.open = False
        return moves

    def _stock_sync_operation(self):
        """The operation kind of this done move, as receivers know it."""
        self.ensure_one()
        src, dest = self.location_id, self.location_dest_id
        if self.scrapped or dest.scrap_location:
            return "scrap"
        if self.is_inventory or "inventory" in (src.usage, dest.usage):
            return "adjustment"
        if self.origin_returned_move_id or src.usage == "customer":
            return "return"
        if src.usage == "production":
            return "production"
        if dest.usage == "production":
            return "consumption"
        if src.usage == "supplier":
            return "receipt"
        if dest.usage in ("customer", "supplier"):
            return "issue"
        return "transfer"
