# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    scan_allow_unplanned = fields.Boolean(
        "Scan Unplanned Components",
        help="A scanned product that is not a component of the manufacturing order is "
        "consumed as an extra component instead of being refused.",
    )
    scan_over_consumption = fields.Selection(
        [("refuse", "Refuse"), ("warn", "Accept with a warning")],
        "Scan Over-Consumption",
        default="refuse",
        required=True,
        help="What a scan that consumes more than planned (past the tolerance) does.",
    )
    scan_over_tolerance = fields.Float(
        "Scan Over-Consumption Tolerance (%)",
        default=0.0,
        help="Percentage of a component's planned quantity that scans may consume beyond "
        "it before the over-consumption rule applies.",
    )
