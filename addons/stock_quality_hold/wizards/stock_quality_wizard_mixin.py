from odoo import api, fields, models


class StockQualityWizardMixin(models.AbstractModel):
    """What the quality wizards share: the stock they act on (quants, or lots), how much
    of a single quant, and the mandatory reason."""

    _name = "stock.quality.wizard.mixin"
    _description = "Quality Wizard (shared fields)"

    reason_id = fields.Many2one(
        "stock.quality.hold.reason",
        domain="['|', ('company_id', '=', False), ('company_id', 'in', allowed_company_ids)]",
    )
    note = fields.Text()
    quant_ids = fields.Many2many("stock.quant", string="Quants")
    lot_ids = fields.Many2many("stock.lot", string="Lots/Serial Numbers")
    quantity = fields.Float(
        digits="Product Unit of Measure",
        help="Only when acting on one quant: how much of it. Empty: all of it.",
    )
    single_quant = fields.Boolean(compute="_compute_single_quant")

    @api.depends("quant_ids")
    def _compute_single_quant(self):
        for wizard in self:
            wizard.single_quant = len(wizard.quant_ids) == 1

    @api.model
    def _open_action(self, model, records, name, context):
        """The wizard's window action for ``records`` (``model`` is "stock.quant" or
        "stock.lot"), titled ``name``, with ``context`` (defaults of the wizard's own
        fields) completed by the records and, for one quant, its unreserved quantity."""
        context = dict(context)
        if model == "stock.quant":
            context["default_quant_ids"] = records.ids
            if len(records) == 1:
                context["default_quantity"] = records.quantity - records.reserved_quantity
        else:
            context["default_lot_ids"] = records.ids
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": context,
        }
