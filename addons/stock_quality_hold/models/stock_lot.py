from markupsafe import Markup, escape

from odoo import _, fields, models
from odoo.exceptions import UserError

from .stock_location import BUCKET_LOT_STATUS
from .stock_quant import QUALITY_OVERRIDE

QUALITY_STATUSES = [
    ("released", "Released"),
    ("on_hold", "On Hold"),
    ("quarantined", "Quarantined"),
    ("rejected", "Rejected"),
    ("expired", "Expired"),
]
# When a lot lies in several buckets, the strongest one names its status.
_STRENGTH = ["on_hold", "quarantined", "rejected"]


class StockLot(models.Model):
    _inherit = "stock.lot"

    quality_status = fields.Selection(
        QUALITY_STATUSES,
        default="released",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
        help="Set by the quality actions from where the lot's stock lies: released when "
        "none of it is in a hold bucket.",
    )
    quality_hold_history_ids = fields.One2many(
        "stock.quality.hold.history", "lot_id", "Quality History", readonly=True
    )
    quality_reason_id = fields.Many2one(
        "stock.quality.hold.reason",
        "Hold Reason",
        compute="_compute_quality_reason_id",
        help="The reason of the lot's last quality action.",
    )

    def _compute_quality_reason_id(self):
        History = self.env["stock.quality.hold.history"]
        for lot in self:
            last = History.search([("lot_id", "=", lot.id)], limit=1) if lot.id else History
            lot.quality_reason_id = last.reason_id

    def _update_quality_status(self):
        """Derive each lot's status from the buckets its stock lies in."""
        if not self:
            return
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", self.ids),
                    ("quality_bucket", "!=", False),
                    ("quantity", ">", 0),
                ]
            )
        )
        for lot in self.sudo():
            statuses = {BUCKET_LOT_STATUS[q.quality_bucket] for q in quants if q.lot_id == lot}
            if statuses:
                status = max(statuses, key=_STRENGTH.index)
            else:
                status = "expired" if lot.quality_status == "expired" else "released"
            if lot.quality_status != status:
                lot.quality_status = status

    def _quality_post(self, histories, skipped=()):
        """One note per lot in its chatter: the action, why, and what moved where."""
        for lot in self:
            lines = histories.filtered(lambda h, lot=lot: h.lot_id == lot)
            lot_skipped = [s for s in skipped if s[0].lot_id == lot]
            if not lines and not lot_skipped:
                continue
            first = lines[:1] or None
            items = Markup("").join(
                Markup("<li>%s %s %s: %s → %s</li>")
                % (
                    f"{line.quantity:g}",
                    line.product_uom_id.name,
                    line.product_id.display_name,
                    line.location_id.complete_name,
                    line.location_dest_id.complete_name,
                )
                for line in lines
            )
            items += Markup("").join(
                Markup("<li>%s</li>") % self.env._("Not moved: %(why)s", why=why)
                for _quant, _qty, why in lot_skipped
            )
            header = (
                _(
                    "%(action)s by %(user)s, reason: %(reason)s",
                    action=dict(first._fields["action"].selection)[first.action],
                    user=first.user_id.name,
                    reason=first.reason_id.name,
                )
                if first
                else _("Quality action: nothing moved")
            )
            body = Markup("<p>%s</p>") % header
            if first and first.note:
                body += Markup("<p>%s</p>") % escape(first.note)
            body += Markup("<ul>%s</ul>") % items
            lot.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Actions on whole lots
    # ------------------------------------------------------------------
    def _quality_quants(self, in_buckets):
        """The company's internal quants of these lots, in hold buckets or in warehouses."""
        domain = [
            ("lot_id", "in", self.ids),
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
        ]
        if in_buckets:
            domain.append(("quality_bucket", "!=", False))
        else:
            domain.append(("quality_bucket", "=", False))
        return self.env["stock.quant"].search(domain)

    def action_quality_recall(self, reason, note=False, bucket="quarantine"):
        """Hold these lots everywhere: every quant of each, in every warehouse of its company.

        Moves what is free, and reports what it could not move and why
        (reserved quantities, stock outside any warehouse).

        :returns: ``(histories, skipped)``, ``skipped`` a list of
            ``(quant, quantity, why)``.
        """
        self._quality_check_lots()
        quants = self._quality_quants(in_buckets=False)
        return quants._quality_action("hold", reason, bucket=bucket, note=note, partial=True)

    def action_quality_release(self, reason, note=False):
        """Release every held quantity of these lots back to their warehouses' stock.

        Rejected stock is included only for users with the *Release failed
        stock* right; without it, a lot with only rejected stock, or whose
        status is rejected, is refused with a UserError saying who may do it.
        """
        self._quality_check_lots()
        held = self._quality_quants(in_buckets=True)
        quants = held.filtered(lambda q: q.quality_bucket != "rejected")
        if self.env.user.has_group(QUALITY_OVERRIDE):
            quants = held
        elif held and not quants:
            # only rejected stock: say who may release failed stock
            held._quality_check_failed_release()
        if not quants:
            raise UserError(
                _(
                    "Lot %(lots)s has no stock on hold or in quarantine to release.",
                    lots=", ".join(self.mapped("name")),
                )
            )
        return quants._quality_action("release", reason, note=note)

    def action_quality_reject(self, reason, note=False):
        """Reject every quantity of these lots, held or not, into the rejected buckets."""
        self._quality_check_lots()
        quants = self._quality_quants(in_buckets=False) | self._quality_quants(
            in_buckets=True
        ).filtered(lambda q: q.quality_bucket != "rejected")
        return quants._quality_action("reject", reason, note=note, partial=True)

    def _quality_check_lots(self):
        if not self:
            raise UserError(_("Choose at least one lot or serial number."))
        foreign = self.sudo().filtered(
            lambda lot: lot.company_id and lot.company_id not in self.env.companies
        )
        if foreign:
            raise UserError(
                _(
                    "Lot %(lots)s belongs to %(company)s. Switch to that company "
                    "(company selector, top right) to act on its stock.",
                    lots=", ".join(foreign.mapped("name")),
                    company=", ".join(foreign.company_id.mapped("name")),
                )
            )

    def action_open_quality_wizard(self):
        return self.env["stock.quality.hold.wizard"]._open_for(
            "stock.lot", self, self.env.context.get("quality_action", "hold")
        )

    # ------------------------------------------------------------------
    # Disposal of rejected lots
    # ------------------------------------------------------------------
    def _quality_rejected_quants(self):
        self._quality_check_lots()
        quants = self._quality_quants(in_buckets=True).filtered(
            lambda q: q.quality_bucket == "rejected"
        )
        if not quants:
            raise UserError(
                _(
                    "Lot %(lots)s has no rejected stock: only rejected stock can be scrapped "
                    "or returned to the vendor. Reject it first.",
                    lots=", ".join(self.mapped("name")),
                )
            )
        return quants

    def action_open_quality_disposal_wizard(self):
        return self.env["stock.quality.disposal.wizard"]._open_for(
            "stock.lot", self, self.env.context.get("quality_disposal", "scrap")
        )

    def action_quality_scrap(self, reason, note=False):
        """Scrap all the rejected stock of these lots (``stock.quant._quality_dispose``)."""
        return self._quality_rejected_quants()._quality_dispose("scrap", reason, note=note)

    def action_quality_return(self, reason, note=False, partner=None):
        """Return all the rejected stock of these lots to their vendors.

        :param partner: ``res.partner``; default: the vendor of each lot's receipt.
        """
        return self._quality_rejected_quants()._quality_dispose(
            "return", reason, note=note, partner=partner
        )

    def _quality_post_disposal(self, histories):
        """One note per lot: scrapped or returned, by whom, why, which document."""
        methods = dict(histories._fields["disposal_method"].selection)
        for lot in self:
            lines = histories.filtered(lambda h, lot=lot: h.lot_id == lot)
            if not lines:
                continue
            first = lines[0]
            body = Markup("<p>%s</p>") % _(
                "%(method)s by %(user)s, reason: %(reason)s",
                method=methods[first.disposal_method],
                user=first.user_id.name,
                reason=first.reason_id.name,
            )
            if first.note:
                body += Markup("<p>%s</p>") % escape(first.note)
            body += Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s %s: %s → %s (%s)</li>")
                % (
                    f"{line.quantity:g}",
                    line.product_uom_id.name,
                    line.location_id.complete_name,
                    line.partner_id.display_name or line.location_dest_id.complete_name,
                    line.scrap_id.name or line.picking_id.name,
                )
                for line in lines
            )
            lot.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
