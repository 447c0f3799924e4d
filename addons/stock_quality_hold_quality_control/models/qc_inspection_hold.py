from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, float_round

from odoo.addons.stock_quality_hold.models.stock_quant import _q


class QcInspectionHold(models.Model):
    """One quantity an inspection keeps in a hold bucket until it is done.

    Written by the inspections only (``qc.inspection._quality_hold_received``
    and ``_quality_hold_settle``), never by users. Several inspections of one
    move (one per test) share its stock: each has its line with the same
    move, lot and quantity; the stock is released when the last of them passes,
    and a rejection by one lowers the quantity the others still wait for.
    """

    _name = "qc.inspection.hold"
    _description = "Stock Held for an Inspection"
    _order = "id"
    _rec_name = "product_id"

    inspection_id = fields.Many2one(
        "qc.inspection", required=True, readonly=True, index=True, ondelete="cascade"
    )
    move_id = fields.Many2one(
        "stock.move", "Inspected Move", required=True, readonly=True, index=True
    )
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id")
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    location_id = fields.Many2one(
        "stock.location",
        "Held In",
        required=True,
        readonly=True,
        help="The hold bucket the stock waits in.",
    )
    quantity = fields.Float(
        "Held", readonly=True, digits="Product Unit of Measure", help="In the product's unit."
    )
    released_qty = fields.Float("Released", readonly=True, digits="Product Unit of Measure")
    rejected_qty = fields.Float("Rejected", readonly=True, digits="Product Unit of Measure")
    state = fields.Selection(
        [("held", "Held"), ("done", "Settled")], default="held", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    def _label(self):
        self.ensure_one()
        return self.product_id.display_name + (f" ({self.lot_id.name})" if self.lot_id else "")

    def _quants(self):
        """The quants of this line's product and lot in its bucket, with what is free."""
        self.ensure_one()
        quants = self.env["stock.quant"].search(
            [
                ("location_id", "=", self.location_id.id),
                ("product_id", "=", self.product_id.id),
                ("lot_id", "=", self.lot_id.id),
                ("quantity", ">", 0),
            ],
            order="in_date, id",
        )
        rounding = self.product_uom_id.rounding
        return [
            (
                quant,
                float_round(quant.quantity - quant.reserved_quantity, precision_rounding=rounding),
            )
            for quant in quants
        ]

    def _quality_move(self, quants, action, quantity, reason, note):
        """Release or reject ``quantity`` of this line's stock through the hold engine."""
        self.ensure_one()
        rounding = self.product_uom_id.rounding
        histories = self.env["stock.quality.hold.history"]
        left = quantity
        for quant, free in quants:
            if float_is_zero(left, precision_rounding=rounding):
                break
            quant = quant.exists()
            if not quant:
                continue
            free = min(
                free,
                float_round(quant.quantity - quant.reserved_quantity, precision_rounding=rounding),
            )
            take = min(left, free)
            if float_compare(take, 0, precision_rounding=rounding) <= 0:
                continue
            done, _skipped = quant._quality_action(action, reason, quantity=take, note=note)
            histories |= done
            left = float_round(left - take, precision_rounding=rounding)
        return histories

    def _quality_settle(self, rejected, note_pass, note_fail):
        """Settle this line: reject ``rejected`` now, release the rest unless others wait.

        :param float rejected: quantity to reject, in the product's unit,
            between 0 and the line's quantity.
        :returns: the ``stock.quality.hold.history`` records written.
        :raises UserError: the held stock is no longer in the bucket (moved
            away meanwhile), with what is left and what to do.
        """
        self.ensure_one()
        rounding = self.product_uom_id.rounding
        quants = self._quants()
        available = float_round(sum(free for _quant, free in quants), precision_rounding=rounding)
        if float_compare(available, self.quantity, precision_rounding=rounding) < 0:
            raise UserError(
                _(
                    "Inspection %(inspection)s holds %(held)s %(uom)s of %(name)s in "
                    "%(location)s, but only %(available)s %(uom)s is there now: someone "
                    "released, rejected or moved it meanwhile. Check the lot's quality "
                    "history, put the missing quantity back on hold (or correct the "
                    "inspection), then set the result again.",
                    inspection=self.inspection_id.name,
                    held=_q(self.quantity),
                    uom=self.product_uom_id.name,
                    name=self._label(),
                    location=self.location_id.complete_name,
                    available=_q(available),
                )
            )
        # sudo: lines of the other inspections may be outside the user's QC rights.
        others = self.sudo().search(
            [
                ("move_id", "=", self.move_id.id),
                ("lot_id", "=", self.lot_id.id),
                ("location_id", "=", self.location_id.id),
                ("state", "=", "held"),
                ("id", "!=", self.id),
                ("inspection_id.state", "not in", ("success", "failed", "canceled")),
            ]
        )
        histories = self.env["stock.quality.hold.history"]
        released = 0.0
        to_release = float_round(self.quantity - rejected, precision_rounding=rounding)
        # Release first: once part of a lot is rejected, the lot's status is rejected,
        # and releasing a rejected lot needs the right to overrule failed inspections.
        if not others and float_compare(to_release, 0, precision_rounding=rounding) > 0:
            histories |= self._quality_move(
                quants,
                "release",
                to_release,
                self.env.ref("stock_quality_hold.reason_inspection_passed"),
                note_pass,
            )
            released = to_release
        if float_compare(rejected, 0, precision_rounding=rounding) > 0:
            histories |= self._quality_move(
                self._quants(),
                "reject",
                rejected,
                self.env.ref("stock_quality_hold.reason_inspection_failed"),
                note_fail,
            )
            for other in others:
                left = float_round(other.quantity - rejected, precision_rounding=rounding)
                other.write(
                    {"quantity": max(left, 0.0)}
                    if float_compare(left, 0, precision_rounding=rounding) > 0
                    else {"quantity": 0.0, "state": "done"}
                )
        # sudo: the lines are written by the inspections only, never by users directly.
        self.sudo().write({"state": "done", "released_qty": released, "rejected_qty": rejected})
        return histories
