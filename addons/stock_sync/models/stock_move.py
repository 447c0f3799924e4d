from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        # Same transaction as the quants: both are committed, or neither.
        done_lines = moves.filtered(lambda m: m.state == "done").move_line_ids
        self.env["stock.sync.event"]._capture_move_lines(done_lines)
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
