# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    def _scan_undo_last(self, request, scan_id, facts):
        """Close this order's open scan windows before the undo.

        The undone scan is then announced (in its window's event) before the
        correction that reverses it, and the correction reaches the endpoints
        that received it.
        """
        # sudo: the outbox's own bookkeeping (see mrp.barcode.coalesced.line).
        Coalesced = self.env["mrp.barcode.coalesced.line"].sudo()
        open_rows = Coalesced.search([("production_id", "=", self.id), ("closed", "=", False)])
        if open_rows:
            Coalesced.flush_model()
            # Wait for a window the cron is closing right now, rather than skip it.
            self.env.cr.execute(
                "SELECT id FROM mrp_barcode_coalesced_line WHERE id = ANY(%s) FOR UPDATE",
                (open_rows.ids,),
            )
            open_rows.invalidate_recordset(["closed"])
            open_rows._close()
        return super()._scan_undo_last(request, scan_id, facts)
