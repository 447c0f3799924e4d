# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

#: A longer window keeps subscribers waiting for stock that has already moved.
MAX_WINDOW_SECONDS = 3600


class ResCompany(models.Model):
    _inherit = "res.company"

    scan_coalesce_seconds = fields.Integer(
        "Scan Event Window (s)",
        default=0,
        help="0: each scan is announced at once, one movement event per done move line. "
        "Otherwise scans are posted to stock at once, and the scans of one component, "
        "lot and manufacturing order within this many seconds are announced as one "
        "movement event listing their scan ids. Work centers may set their own.",
    )

    @api.constrains("scan_coalesce_seconds")
    def _check_scan_coalesce_seconds(self):
        for company in self:
            if not 0 <= company.scan_coalesce_seconds <= MAX_WINDOW_SECONDS:
                raise ValidationError(
                    _(
                        "The scan event window of %(company)s must be between 0 (one event "
                        "per scan) and %(max)s seconds.",
                        company=company.name,
                        max=MAX_WINDOW_SECONDS,
                    )
                )
