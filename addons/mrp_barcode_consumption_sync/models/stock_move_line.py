# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from odoo.addons.mrp_barcode_consumption.models.mrp_production import SCAN_CONTEXT_KEY


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _stock_sync_event_extensions(self):
        """Add ``scan`` to the movement events of a scan (schema movement.v1).

        The scan service runs its stock operations with the scan in the
        context (``mrp_barcode_scan``); only lines of that order's component
        moves get the block, so stock moved on the way for anything else does
        not claim to be the scan.
        """
        blocks = super()._stock_sync_event_extensions()
        scan = self.env.context.get(SCAN_CONTEXT_KEY)
        if scan and self.move_id.raw_material_production_id.id == scan["production"]["id"]:
            blocks["scan"] = {
                "scan_id": scan["scan_id"],
                "device_id": str(scan["device_id"]) if scan.get("device_id") else None,
                "action": scan["action"],
                "undoes": scan.get("undoes"),
                "production": dict(scan["production"]),
            }
        return blocks
