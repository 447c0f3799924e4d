# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    scan_coalesce_seconds = fields.Integer(
        related="company_id.scan_coalesce_seconds", readonly=False
    )
