from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from odoo.addons.stock_quality_hold.models.stock_quant import QUALITY_MANAGER, _q

DONE = ("success", "failed")


class QcInspection(models.Model):
    _inherit = "qc.inspection"

    quality_hold_line_ids = fields.One2many(
        "qc.inspection.hold", "inspection_id", "Held Stock", readonly=True
    )
    quality_hold_history_ids = fields.One2many(
        "stock.quality.hold.history", "qc_inspection_id", readonly=True
    )
    quality_held_qty = fields.Float(
        "Held Quantity",
        compute="_compute_quality_held_qty",
        digits="Product Unit of Measure",
        help="What this inspection keeps in QA hold now, in the product's unit.",
    )
    quality_rejected_qty = fields.Float(
        "Rejected Quantity",
        digits="Product Unit of Measure",
        copy=False,
        tracking=True,
        help="For a partial pass: the quantity (in the product's unit) found not good. "
        "When the inspection is done, this quantity goes to the rejected bucket and the "
        "rest of the held stock is released, whether the inspection passed or failed. "
        "Leave it at 0 to release everything on a pass, or reject everything on a fail.",
    )

    @api.depends("quality_hold_line_ids.state", "quality_hold_line_ids.quantity")
    def _compute_quality_held_qty(self):
        for inspection in self:
            inspection.quality_held_qty = sum(
                inspection.quality_hold_line_ids.filtered(lambda h: h.state == "held").mapped(
                    "quantity"
                )
            )

    @api.constrains("quality_rejected_qty")
    def _check_quality_rejected_qty(self):
        for inspection in self:
            if inspection.quality_rejected_qty < 0:
                raise ValidationError(
                    _(
                        "Inspection %(inspection)s: the rejected quantity cannot be negative "
                        "(%(qty)s). Enter the quantity found not good, or 0.",
                        inspection=inspection.name,
                        qty=_q(inspection.quality_rejected_qty),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        inspections = super().create(vals_list)
        if not self.env.context.get("quality_hold_inspection_defer"):
            inspections._quality_hold_received()
        return inspections

    def write(self, vals):
        finishing = self.browse()
        if vals.get("state") in DONE:
            finishing = self.filtered(lambda i: i.state not in DONE)
        res = super().write(vals)
        finishing._quality_hold_settle()
        return res

    # ------------------------------------------------------------------
    # Hold what an inspection inspects
    # ------------------------------------------------------------------
    def _quality_hold_move(self):
        """The done stock move this inspection inspects, if any."""
        self.ensure_one()
        move = self.object_id
        if not move or move._name != "stock.move" or move.state != "done":
            return self.env["stock.move"]
        return move

    def _quality_hold_move_lines(self, move):
        """The done move lines this inspection covers: the move's, or its lot's.

        OCA makes one inspection per lot (``inspection_per_lot`` on the trigger)
        by copying the move's inspection and setting each copy's lot; without
        it, one inspection covers the move and ``lot_id`` is merely its first lot.
        """
        self.ensure_one()
        lines = move.move_line_ids.filtered(
            lambda ml: (
                float_compare(
                    ml.quantity_product_uom, 0, precision_rounding=ml.product_id.uom_id.rounding
                )
                > 0
            )
        )
        siblings = self.search(
            [
                ("object_id", "=", f"stock.move,{move.id}"),
                ("state", "!=", "canceled"),
                ("id", "!=", self.id),
            ]
        )
        if self.lot_id and any(s.lot_id and s.lot_id != self.lot_id for s in siblings):
            lines = lines.filtered(lambda ml: ml.lot_id == self.lot_id)
        return lines

    def _quality_hold_received(self):
        """Hold in QA hold what the done move of each inspection brought in.

        Called when an inspection is created for a done move, and when a
        transfer is validated (for the inspections OCA makes then, and those
        planned ahead). For each lot, package and destination of the move's
        done lines: stock that arrived in a hold bucket (routed there on
        receipt) is only recorded as held for the inspection; stock in a
        warehouse's internal location is moved to its QA hold bucket with
        ``stock.quant._quality_action("hold", ...)``, reason *Awaiting
        inspection*, as the current user. Moves that reserved it meanwhile
        (Odoo reserves waiting transfers as soon as a receipt is done, and the
        next step of a multi-step receipt) are unreserved first and reserved
        again afterwards, from what is left. Inspections already done or
        cancelled, or already holding, hold nothing; stock that went out of
        the warehouses (a delivery) is not held.

        :returns: the ``qc.inspection.hold`` lines written.
        :raises UserError: the user may not move stock; or what the engine
            says (another company's stock, stock reserved for a picked transfer).
        """
        # sudo: inspections and their hold lines are read and written whatever the
        # user's Quality Control rights; the stock moves run as the user (below).
        Hold = self.env["qc.inspection.hold"].sudo()
        created = Hold
        user_env = self.env(su=False)
        for inspection in self.sudo():
            if inspection.state in DONE + ("canceled",) or inspection.quality_hold_line_ids:
                continue
            move = inspection._quality_hold_move()
            if not move:
                continue
            lines = inspection._quality_hold_move_lines(move)
            groups = defaultdict(float)
            for ml in lines:
                key = (ml.location_dest_id, ml.lot_id, ml.result_package_id, ml.owner_id)
                groups[key] += ml.quantity_product_uom
            rounding = move.product_id.uom_id.rounding
            for (location, lot, package, owner), qty in groups.items():
                qty = float_round(qty, precision_rounding=rounding)
                if location.usage != "internal":
                    continue
                if location.quality_bucket:
                    bucket = location  # received into a bucket: held already
                else:
                    shared = Hold.search(
                        [
                            ("move_id", "=", move.id),
                            ("lot_id", "=", lot.id),
                            ("state", "=", "held"),
                        ],
                        limit=1,
                    )
                    if shared:
                        bucket = shared.location_id  # another test of the same move holds it
                    else:
                        bucket = inspection._quality_hold_put(
                            user_env, move, location, lot, package, owner, qty
                        )
                        if not bucket:
                            continue
                created |= Hold.create(
                    {
                        "inspection_id": inspection.id,
                        "move_id": move.id,
                        "product_id": move.product_id.id,
                        "lot_id": lot.id,
                        "location_id": bucket.id,
                        "quantity": qty,
                        "company_id": move.company_id.id,
                    }
                )
        return created

    def _quality_hold_put(self, user_env, move, location, lot, package, owner, qty):
        """Move ``qty`` of ``move``'s product from ``location`` to QA hold; the bucket or None."""
        self.ensure_one()
        if not location.warehouse_id:
            return None
        if not user_env.user.has_group("stock.group_stock_user"):
            raise UserError(
                _(
                    "Inspection %(inspection)s inspects %(move)s, which is done: its stock "
                    "goes on hold until the inspection is done, and that needs Inventory "
                    "user rights. Ask an Inventory user to create or trigger it.",
                    inspection=self.name,
                    move=move.reference or move.display_name,
                )
            )
        rounding = move.product_id.uom_id.rounding
        domain = [
            ("location_id", "=", location.id),
            ("product_id", "=", move.product_id.id),
            ("lot_id", "=", lot.id),
            ("package_id", "=", package.id),
            ("owner_id", "=", owner.id),
        ]
        quants = user_env["stock.quant"].search(domain + [("quantity", ">", 0)])
        free = sum(quants.mapped("quantity")) - sum(quants.mapped("reserved_quantity"))
        unreserved = user_env["stock.move"]
        if float_compare(free, qty, precision_rounding=rounding) < 0:
            # Reserved meanwhile (waiting transfers, the next step of the receipt):
            # unreserve, hold, then let them reserve again from what is left.
            # sudo: other users' transfers; only their reservation is touched.
            reserving = (
                user_env["stock.move.line"]
                .sudo()
                .search(
                    [
                        ("location_id", "=", location.id),
                        ("product_id", "=", move.product_id.id),
                        ("lot_id", "=", lot.id),
                        ("package_id", "=", package.id),
                        ("owner_id", "=", owner.id),
                        ("state", "not in", ("done", "cancel")),
                        ("picked", "=", False),
                    ]
                )
                .move_id
            )
            reserving._do_unreserve()
            unreserved = reserving.sudo(False)
            quants = user_env["stock.quant"].search(domain + [("quantity", ">", 0)])
        note = _(
            "Inspection %(inspection)s of %(reference)s",
            inspection=self.name,
            reference=move.reference or move.display_name,
        )
        reason = user_env.ref("stock_quality_hold.reason_awaiting_inspection")
        histories = user_env["stock.quality.hold.history"]
        left = qty
        for quant in quants:
            if float_is_zero(left, precision_rounding=rounding):
                break
            take = min(
                left,
                float_round(quant.quantity - quant.reserved_quantity, precision_rounding=rounding),
            )
            if float_compare(take, 0, precision_rounding=rounding) <= 0:
                continue
            done, _skipped = quant._quality_action("hold", reason, quantity=take, note=note)
            histories |= done
            left = float_round(left - take, precision_rounding=rounding)
        if not float_is_zero(left, precision_rounding=rounding):
            raise UserError(
                _(
                    "Inspection %(inspection)s: %(qty)s %(uom)s of %(product)s arrived in "
                    "%(location)s by %(reference)s, but only %(held)s %(uom)s is there to "
                    "hold (the rest is reserved for transfers already picked). Unpick them, "
                    "then try again.",
                    inspection=self.name,
                    qty=_q(qty),
                    held=_q(qty - left),
                    uom=move.product_id.uom_id.name,
                    product=move.product_id.display_name,
                    location=location.complete_name,
                    reference=move.reference or move.display_name,
                )
            )
        # sudo: the history is written by the quality actions only.
        histories.sudo().write({"qc_inspection_id": self.id})
        if unreserved:
            unreserved._action_assign()
        self.message_post(
            body=_(
                "%(qty)s %(uom)s of %(product)s put on hold in %(bucket)s until this "
                "inspection is done.",
                qty=_q(qty),
                uom=move.product_id.uom_id.name,
                product=move.product_id.display_name,
                bucket=histories[:1].location_dest_id.complete_name,
            )
        )
        return histories[:1].location_dest_id

    # ------------------------------------------------------------------
    # Release or reject when the inspection is done
    # ------------------------------------------------------------------
    def _quality_hold_settle(self):
        """Release or reject what each inspection holds, from its result.

        * passed, no rejected quantity: everything held is released;
        * failed, no rejected quantity: everything held is rejected;
        * a rejected quantity between 0 and what is held (a partial pass,
          passed or failed): that quantity is rejected, the rest released.

        Through ``stock.quant._quality_action`` as the current user, reasons
        *Inspection passed* / *Inspection failed*, the inspection named in the
        note and linked from each history record. Several inspections of the
        same stock (one per test): it is released when the last one passes.

        :raises AccessError: the user is not a Quality Manager.
        :raises UserError: rejected quantity above what is held, a passed
            inspection that rejects all, a partial pass over several lots,
            or the held stock moved away meanwhile.
        """
        for inspection in self:
            # sudo: the hold lines are read whatever the user's Quality Control rights.
            lines = inspection.sudo().quality_hold_line_ids.filtered(lambda h: h.state == "held")
            if not lines:
                continue
            if not self.env.user.has_group(QUALITY_MANAGER):
                raise AccessError(
                    _(
                        "Inspection %(inspection)s holds stock in QA hold: finishing it "
                        "releases or rejects that stock, which only Quality Managers may "
                        "do. Ask a Quality Manager to approve it.",
                        inspection=inspection.name,
                    )
                )
            rounding = lines[0].product_uom_id.rounding
            held = float_round(sum(lines.mapped("quantity")), precision_rounding=rounding)
            rejected = inspection.quality_rejected_qty
            uom = lines[0].product_uom_id.name
            if float_compare(rejected, held, precision_rounding=rounding) > 0:
                raise UserError(
                    _(
                        "Inspection %(inspection)s rejects %(rejected)s %(uom)s but holds "
                        "only %(held)s %(uom)s. Enter a rejected quantity of at most "
                        "%(held)s.",
                        inspection=inspection.name,
                        rejected=_q(rejected),
                        held=_q(held),
                        uom=uom,
                    )
                )
            passed = inspection.state == "success"
            partial = float_compare(rejected, 0, precision_rounding=rounding) > 0 and (
                float_compare(rejected, held, precision_rounding=rounding) < 0
            )
            if passed and not float_compare(rejected, held, precision_rounding=rounding):
                raise UserError(
                    _(
                        "Inspection %(inspection)s passed but rejects all %(held)s %(uom)s "
                        "it holds. Fail it instead, or lower the rejected quantity.",
                        inspection=inspection.name,
                        held=_q(held),
                        uom=uom,
                    )
                )
            if partial and len(lines) > 1:
                raise UserError(
                    _(
                        "Inspection %(inspection)s holds several lots or places "
                        "(%(what)s): a rejected quantity does not say which of them is "
                        "not good. Inspect one lot per inspection ('Inspection per lot' on "
                        "the trigger), or pass or fail the whole quantity.",
                        inspection=inspection.name,
                        what=", ".join(lines.mapped(lambda h: h._label())),
                    )
                )
            subject = _(
                "Inspection %(inspection)s%(test)s",
                inspection=inspection.name,
                test=f" ({inspection.test.name})" if inspection.test else "",
            )
            note_pass = _("%(subject)s passed", subject=subject)
            note_fail = _("%(subject)s failed", subject=subject)
            if partial:
                note_pass = note_fail = _(
                    "%(subject)s passed in part: %(rejected)s of %(held)s %(uom)s rejected",
                    subject=subject,
                    rejected=_q(rejected),
                    held=_q(held),
                    uom=uom,
                )
            histories = self.env["stock.quality.hold.history"]
            for line in lines:
                if partial:
                    line_rejected = rejected
                elif passed:
                    line_rejected = 0.0
                else:
                    line_rejected = line.quantity
                histories |= line.sudo(False)._quality_settle(line_rejected, note_pass, note_fail)
            # sudo: the history is written by the quality actions only.
            histories.sudo().write({"qc_inspection_id": inspection.id})
            released = sum(h.quantity for h in histories if h.action == "release")
            rejected_done = sum(h.quantity for h in histories if h.action == "reject")
            inspection.message_post(
                body=_(
                    "Held stock settled: %(released)s %(uom)s released, %(rejected)s %(uom)s "
                    "rejected.",
                    released=_q(released),
                    rejected=_q(rejected_done),
                    uom=uom,
                )
            )

    def action_view_quality_held_stock(self):
        """The quants of the hold buckets this inspection's stock waits in."""
        self.ensure_one()
        lines = self.sudo().quality_hold_line_ids.filtered(lambda h: h.state == "held")
        domain = [
            ("location_id", "in", lines.location_id.ids),
            ("product_id", "in", lines.product_id.ids),
        ]
        if lines.lot_id:
            domain.append(("lot_id", "in", lines.lot_id.ids))
        return {
            "type": "ir.actions.act_window",
            "name": _("Held Stock of %(inspection)s", inspection=self.name),
            "res_model": "stock.quant",
            "view_mode": "list",
            "domain": domain,
            "context": {"create": False},
        }
