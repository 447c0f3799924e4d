# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class StockSyncEvent(models.Model):
    _inherit = "stock.sync.event"

    @api.model
    def _capture_move_lines(self, move_lines, corrected=None):
        """Hold the lines of scans under a window; close open windows of the rest first.

        See ``mrp.barcode.coalesced.line``: held lines are announced when their
        window closes; the other lines' products may have open windows, which
        are announced first, so that the events of a product stay in the order
        its stock moved.
        """
        if not move_lines or not self._capture_enabled():
            return super()._capture_move_lines(move_lines, corrected=corrected)
        # sudo: the outbox's own bookkeeping, whoever moves the stock.
        Coalesced = self.env["mrp.barcode.coalesced.line"].sudo()
        held, before = Coalesced._hold(move_lines)
        rest = move_lines - held
        events = self.browse()
        if before:
            events |= before._close_now()
        if held and corrected:
            corrected = {key: value for key, value in corrected.items() if key in rest.ids}
        return events | super()._capture_move_lines(rest, corrected=corrected)

    @api.model
    def _receivers_of_lines(self, move_lines):
        """Also the endpoints that received a coalesced event covering these lines."""
        receivers = super()._receivers_of_lines(move_lines)
        self.env.cr.execute(
            """
            SELECT c.move_line_id, ARRAY_AGG(DISTINCT d.endpoint_id)
              FROM mrp_barcode_coalesced_line c
              JOIN stock_sync_delivery d ON d.event_id = c.event_id
             WHERE c.move_line_id = ANY(%s)
             GROUP BY c.move_line_id
            """,
            (move_lines.ids,),
        )
        for line_id, endpoint_ids in self.env.cr.fetchall():
            receivers[line_id] = receivers.get(line_id, frozenset()) | frozenset(endpoint_ids)
        return receivers
