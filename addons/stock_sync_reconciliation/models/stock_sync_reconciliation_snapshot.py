from odoo import fields, models


class StockSyncReconciliationSnapshot(models.Model):
    """One line of an external snapshot, as read, and what it maps to.

    Written in bulk by ``stock.sync.reconciliation._load_snapshot`` and
    mapped in SQL (``services/compare.map_snapshot``); ``error`` says why a
    line did not map (it is then listed as an *unmapped* difference).
    """

    _name = "stock.sync.reconciliation.snapshot"
    _description = "Reconciliation Snapshot Line"
    _order = "reconciliation_id, row_number"

    reconciliation_id = fields.Many2one(
        "stock.sync.reconciliation", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    row_number = fields.Integer("Row", readonly=True)
    sku = fields.Char("SKU", readonly=True)
    location_code = fields.Char("Location", readonly=True)
    lot_name = fields.Char("Lot", readonly=True)
    status = fields.Char(readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    unit = fields.Char(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, index="btree_not_null")
    location_id = fields.Many2one("stock.location", "Odoo Location", readonly=True)
    lot_id = fields.Many2one("stock.lot", "Odoo Lot", readonly=True)
    new_lot = fields.Char(readonly=True, help="A lot Odoo does not know yet.")
    bucket = fields.Char(readonly=True)
    unit_uom_id = fields.Many2one("uom.uom", "Odoo Unit", readonly=True)
    quantity_product = fields.Float(
        "Quantity (Product Unit)", readonly=True, digits="Product Unit of Measure"
    )
    error = fields.Char(readonly=True)
