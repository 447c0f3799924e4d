# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .res_company import MAX_WINDOW_SECONDS


class MrpWorkcenter(models.Model):
    _inherit = "mrp.workcenter"

    scan_coalesce = fields.Selection(
        [
            ("company", "As the Company"),
            ("off", "One Event per Scan"),
            ("window", "Window"),
        ],
        "Scan Events",
        default="company",
        required=True,
        help="How the scans of components consumed at this work center are announced "
        "to subscribers: as the company says, each at once, or coalesced per component, "
        "lot and order within a window.",
    )
    scan_coalesce_seconds = fields.Integer("Scan Event Window (s)", default=5)

    @api.constrains("scan_coalesce", "scan_coalesce_seconds")
    def _check_scan_coalesce_seconds(self):
        for workcenter in self.filtered(lambda w: w.scan_coalesce == "window"):
            if not 1 <= workcenter.scan_coalesce_seconds <= MAX_WINDOW_SECONDS:
                raise ValidationError(
                    _(
                        "The scan event window of %(workcenter)s must be between 1 and "
                        "%(max)s seconds (choose One Event per Scan for none).",
                        workcenter=workcenter.display_name,
                        max=MAX_WINDOW_SECONDS,
                    )
                )
