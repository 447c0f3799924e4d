from odoo import api, fields, models


class StockSyncXrefMixin(models.AbstractModel):
    """What every cross-reference shares: a backend, an external code, one Odoo record.

    Creating one reprocesses the backend's events waiting for a mapping.
    """

    _name = "stock.sync.xref.mixin"
    _description = "Inventory Sync Cross-Reference"
    _order = "backend_id, external_code"
    _rec_name = "external_code"
    _check_company_auto = True

    backend_id = fields.Many2one(
        "stock.sync.backend", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    external_code = fields.Char(required=True, index=True)

    _sql_constraints = [
        (
            "external_code_unique",
            "UNIQUE(backend_id, external_code)",
            "This external code is already mapped for this backend: one code, one Odoo record.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["stock.sync.inbound"]._reprocess_waiting(records.backend_id)
        return records

    def write(self, vals):
        result = super().write(vals)
        self.env["stock.sync.inbound"]._reprocess_waiting(self.backend_id)
        return result
