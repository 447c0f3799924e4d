# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    scan_allow_unplanned = fields.Boolean(related="company_id.scan_allow_unplanned", readonly=False)
    scan_over_consumption = fields.Selection(
        related="company_id.scan_over_consumption", readonly=False
    )
    scan_over_tolerance = fields.Float(related="company_id.scan_over_tolerance", readonly=False)
