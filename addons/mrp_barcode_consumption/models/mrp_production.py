# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    @api.model
    def consume_scan(
        self,
        barcode,
        production=None,
        quantity=None,
        uom=None,
        location=None,
        device_id=None,
        scan_id=None,
    ):
        """Consume a scanned component on a manufacturing order (skeleton)."""
        return {
            "ok": False,
            "code": "unknown_barcode",
            "message": "Not implemented yet.",
            "scan_id": scan_id,
            "production": None,
            "consumed": None,
            "components": [],
            "warnings": [],
            "replayed": False,
        }

    @api.model
    def undo_last_scan(self, production, device_id=None, scan_id=None):
        """Undo the last accepted scan of a manufacturing order (skeleton)."""
        return self.consume_scan(False, production, device_id=device_id, scan_id=scan_id)
