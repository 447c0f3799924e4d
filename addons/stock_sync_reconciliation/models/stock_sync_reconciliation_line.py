import logging

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from ..services import compare as cmp
from .stock_sync_reconciliation import COMPARED, MANAGER, TO_APPROVE, USER

_logger = logging.getLogger(__name__)


class StockSyncReconciliationLine(models.Model):
    """One difference between the snapshot and Odoo, per product x location x lot x bucket.

    Written by ``services/compare`` in one statement per step; people only
    decide on it (approve, reject), through the methods below.
    """

    _name = "stock.sync.reconciliation.line"
    _description = "Reconciliation Difference"
    _order = "reconciliation_id, abs_value desc, id"

    reconciliation_id = fields.Many2one(
        "stock.sync.reconciliation", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    state = fields.Selection(related="reconciliation_id.state", string="Run State")
    warehouse_id = fields.Many2one(related="reconciliation_id.warehouse_id")
    as_of = fields.Datetime(related="reconciliation_id.as_of")
    product_id = fields.Many2one("product.product", readonly=True, index="btree_not_null")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    location_id = fields.Many2one("stock.location", readonly=True)
    lot_id = fields.Many2one("stock.lot", readonly=True)
    lot_name = fields.Char(
        "Lot (New)", readonly=True, help="A lot the snapshot names that Odoo does not know."
    )
    bucket = fields.Char(readonly=True)
    external_sku = fields.Char("External SKU", readonly=True)
    external_location = fields.Char(readonly=True)
    external_lot = fields.Char(readonly=True)
    external_status = fields.Char(readonly=True)
    external_unit = fields.Char(readonly=True)
    snapshot_row = fields.Integer("File Row", readonly=True)
    diff_class = fields.Selection(cmp.CLASSES, "Class", required=True, readonly=True, index=True)
    qty_odoo = fields.Float("Odoo at T", readonly=True, digits="Product Unit of Measure")
    qty_external = fields.Float("External", readonly=True, digits="Product Unit of Measure")
    qty_in_flight = fields.Float(
        "In Flight",
        readonly=True,
        digits="Product Unit of Measure",
        help="Moved in Odoo by T, not yet acknowledged by the system at T.",
    )
    difference = fields.Float(
        readonly=True, digits="Product Unit of Measure", help="External minus Odoo at T."
    )
    correction_qty = fields.Float(
        "Correction",
        readonly=True,
        digits="Product Unit of Measure",
        help="What applying adds to Odoo's stock today: external + in flight - Odoo at T.",
    )
    percent = fields.Float("Difference (%)", readonly=True, digits=(16, 2))
    unit_cost = fields.Float(readonly=True, digits="Product Price")
    value = fields.Monetary("Value at Cost", readonly=True, currency_field="currency_id")
    abs_value = fields.Float("Absolute Value", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    within_tolerance = fields.Boolean(readonly=True)
    tolerance_id = fields.Many2one("stock.sync.reconciliation.tolerance", readonly=True)
    needs_manager = fields.Boolean(
        readonly=True,
        help="Worth more than the approval threshold: only an Inventory Sync Manager approves it.",
    )
    decision = fields.Selection(
        cmp.DECISIONS, required=True, readonly=True, default=cmp.TO_REVIEW, index=True
    )
    approved_by_id = fields.Many2one("res.users", "Decided By", readonly=True)
    approved_on = fields.Datetime("Decided On", readonly=True)
    hint = fields.Text(readonly=True, help="Evidence of the likely cause.")
    applied = fields.Boolean(readonly=True)
    move_id = fields.Many2one("stock.move", "Adjustment", readonly=True)
    qty_before = fields.Float("On Hand Before", readonly=True, digits="Product Unit of Measure")
    qty_after = fields.Float("On Hand After", readonly=True, digits="Product Unit of Measure")
    anomaly = fields.Char(
        readonly=True, help="This key's variance repeats or jumps beyond its history."
    )

    def _decide(self, decision):
        if not self:
            return True
        self.check_access("read")
        user = self.env.user
        if not user.has_group(USER):
            raise AccessError(_("Only Inventory Sync users decide on reconciliation differences."))
        for run in self.reconciliation_id:
            if run.state not in (COMPARED, TO_APPROVE):
                raise UserError(
                    _("Run %s is applied or cancelled: its differences cannot change.", run.name)
                )
        wrong = self.filtered(
            lambda line: line.decision in (cmp.EXPLAINED, cmp.NOTHING) or line.applied
        )
        if wrong:
            raise UserError(
                _(
                    "%(n)s of these differences need no decision (explained by events in flight, "
                    "unmapped, or already applied): %(which)s.",
                    n=len(wrong),
                    which=", ".join(
                        wrong[:5].mapped(
                            lambda line: line.product_id.display_name or line.external_sku or ""
                        )
                    ),
                )
            )
        if decision == cmp.APPROVED and not user.has_group(MANAGER):
            big = self.filtered("needs_manager")
            if big:
                _logger.warning(
                    "Inventory Sync reconciliation: %s tried to approve %s differences over the "
                    "value threshold",
                    user.login,
                    len(big),
                )
                raise AccessError(
                    _(
                        "%(n)s of these differences are worth more than the approval threshold "
                        "(e.g. %(product)s, %(value)s): only an Inventory Sync Manager may approve "
                        "them.",
                        n=len(big),
                        product=big[0].product_id.display_name,
                        value=big[0].value,
                    )
                )
        # sudo: users read difference lines; their decision is written here, after the checks.
        self.sudo().write(
            {
                "decision": decision,
                "approved_by_id": user.id,
                "approved_on": fields.Datetime.now(),
            }
        )
        for run in self.reconciliation_id:
            run.invalidate_recordset(["to_review_count"])
            if run.state == TO_APPROVE and not run.to_review_count:
                run.sudo().state = COMPARED
            run.message_post(
                body=_(
                    "%(user)s: %(n)s differences %(decision)s.",
                    user=user.name,
                    n=len(self.filtered(lambda line, r=run: line.reconciliation_id == r)),
                    decision=dict(cmp.DECISIONS)[decision].lower(),
                )
            )
        return True

    def action_approve(self):
        """Approve these differences for correction (a manager for those over the threshold)."""
        return self._decide(cmp.APPROVED)

    def action_reject(self):
        """Leave these differences uncorrected (the run records who decided)."""
        return self._decide(cmp.REJECTED)

    def action_open_product_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.stock_move_line_action")
        action["domain"] = [
            ("product_id", "=", self.product_id.id),
            "|",
            ("location_id", "=", self.location_id.id),
            ("location_dest_id", "=", self.location_id.id),
        ]
        action["context"] = {"create": False}
        return action
