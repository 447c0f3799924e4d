# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class BarcodeRule(models.Model):
    _inherit = "barcode.rule"

    # An application identifier that a label may carry and that moves no stock
    # (a production date, a price, a postal code, company information): read so
    # that the rest of the label parses; the scan service ignores its value.
    type = fields.Selection(
        selection_add=[("gs1_other", "Other GS1 Data")],
        ondelete={"gs1_other": "cascade"},
    )
