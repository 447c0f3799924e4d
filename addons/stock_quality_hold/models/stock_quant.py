import psycopg2

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, float_round

QUALITY_MANAGER = "stock_quality_hold.group_quality_manager"


def _q(quantity):
    """A quantity as people write it: 5, 2.5, not 5.0."""
    return f"{quantity:g}"


class StockQuant(models.Model):
    _inherit = "stock.quant"

    quality_bucket = fields.Selection(
        related="location_id.quality_bucket", store=True, string="Hold Bucket"
    )
    lot_quality_status = fields.Selection(
        related="lot_id.quality_status", store=True, string="Lot Quality Status"
    )

    def action_open_quality_wizard(self):
        return self.env["stock.quality.hold.wizard"]._open_for(
            "stock.quant", self, self.env.context.get("quality_action", "hold")
        )

    # ------------------------------------------------------------------
    # The one engine of hold, release and reject
    # ------------------------------------------------------------------
    def _quality_action(
        self, action, reason, bucket=None, quantity=None, note=False, partial=False
    ):
        """Move these quants into a hold bucket, back to stock, or to rejected.

        Each quantity moves as a done ``stock.move`` (valuation and
        traceability stay whole), is recorded in ``stock.quality.hold.history``
        and in its lot's chatter. All or nothing: any error raises before a
        single move is done, unless ``partial`` (the recall), which moves what
        it can and returns what it could not.

        :param str action: ``hold`` (stock to ``bucket``), ``release`` (bucket
            to the warehouse's stock location) or ``reject`` (to the rejected bucket).
        :param reason: ``stock.quality.hold.reason``, mandatory.
        :param str bucket: for ``hold``: ``qa_hold`` (default) or ``quarantine``.
        :param float quantity: with one quant only; default: all it can move.
        :param bool partial: skip (and report) what cannot move instead of raising.
        :returns: ``(histories, skipped)``, ``skipped`` a list of ``(quant, quantity, why)``.
        """
        if action not in ("hold", "release", "reject"):
            raise UserError(_("Unknown quality action %(action)s.", action=action))
        if not reason:
            raise UserError(
                _(
                    "Choose a reason for this %(action)s: every quality action needs one. "
                    "Quality managers add reasons under Inventory > Configuration > "
                    "Quality Hold Reasons.",
                    action=action,
                )
            )
        if action in ("release", "reject") and not self.env.user.has_group(QUALITY_MANAGER):
            raise AccessError(
                _(
                    "Only Quality Managers may release or reject stock. Ask one to "
                    "do it, or put the stock on hold instead."
                )
            )
        bucket = bucket or "qa_hold"
        if action == "hold" and bucket not in ("qa_hold", "quarantine"):
            raise UserError(_("Stock is held in QA hold or quarantine; use Reject to reject it."))
        if not self:
            raise UserError(_("There is no stock to act on: select quants with a quantity."))
        self._quality_check_companies()
        self._quality_lock()
        # Quants emptied meanwhile (or selected empty) have nothing to move.
        stocked = self.filtered(
            lambda q: float_compare(q.quantity, 0, precision_rounding=q.product_uom_id.rounding) > 0
        )
        if not stocked:
            raise UserError(
                _(
                    "There is no stock to act on: the selected quants are empty (someone "
                    "else may have moved the stock meanwhile). Reload and check what is left."
                )
            )
        self = stocked  # pylint: disable=self-cls-assignment
        if quantity is not None and len(self) != 1:
            raise UserError(_("A quantity can only be given for one quant at a time."))
        plan, skipped = self._quality_plan(action, bucket, quantity, partial)
        histories = self.env["stock.quality.hold.history"]
        if plan:
            histories = self._quality_execute(action, reason, note, plan)
        lots = histories.lot_id | self.env["stock.lot"].browse(
            [q.lot_id.id for q, _qty, _why in skipped if q.lot_id]
        )
        lots._update_quality_status()
        lots._quality_post(histories, skipped)
        histories._quality_recorded()
        return histories, skipped

    def _quality_check_companies(self):
        foreign = self.sudo().filtered(lambda q: q.company_id not in self.env.companies)
        if foreign:
            raise UserError(
                _(
                    "This stock belongs to %(companies)s, not to the companies you work "
                    "in now. Switch company (top right) to act on it.",
                    companies=", ".join(foreign.company_id.mapped("name")),
                )
            )

    def _quality_lock(self):
        """Lock the quants, or tell the user someone else is acting on them right now."""
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM stock_quant WHERE id IN %s FOR NO KEY UPDATE NOWAIT",
                    (tuple(self.ids),),
                )
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure):
            raise UserError(
                _(
                    "Someone else is moving this stock right now (%(products)s). "
                    "Reload the list in a moment and check what is left before acting again.",
                    products=", ".join(self.product_id.mapped("display_name")),
                )
            ) from None
        self.invalidate_recordset()
        if len(self.exists()) != len(self):
            raise UserError(
                _(
                    "Someone else moved this stock meanwhile: it is no longer where you "
                    "selected it. Reload the list and check what is left before acting again."
                )
            )

    def _quality_destination(self, action, bucket):
        """(destination location, warehouse, bucket) of one quant, or a reason why none."""
        self.ensure_one()
        location = self.location_id
        if location.quality_bucket:
            warehouse = location.quality_warehouse_id
        else:
            warehouse = location.warehouse_id
        if not warehouse:
            return (
                None,
                None,
                None,
                _(
                    "%(location)s is not in a warehouse, so it has no hold buckets.",
                    location=location.complete_name,
                ),
            )
        if action == "hold":
            if location.quality_bucket:
                return (
                    None,
                    warehouse,
                    None,
                    _("it is already in %(location)s.", location=location.complete_name),
                )
            return warehouse._quality_bucket_location(bucket), warehouse, bucket, None
        if action == "release":
            if not location.quality_bucket:
                return (
                    None,
                    warehouse,
                    None,
                    _(
                        "%(location)s is not a hold bucket: there is nothing held to release.",
                        location=location.complete_name,
                    ),
                )
            return warehouse.lot_stock_id, warehouse, location.quality_bucket, None
        if location.quality_bucket == "rejected":
            return (
                None,
                warehouse,
                None,
                _("it is already rejected (%(location)s).", location=location.complete_name),
            )
        return warehouse.rejected_location_id, warehouse, "rejected", None

    def _quality_plan(self, action, bucket, quantity, partial):
        plan, skipped = [], []

        def refuse(quant, qty, why):
            if not partial:
                raise UserError(why)
            skipped.append((quant, qty, why))

        for quant in self:
            rounding = quant.product_uom_id.rounding
            name = quant.product_id.display_name + (
                f" ({quant.lot_id.name})" if quant.lot_id else ""
            )
            destination, warehouse, quant_bucket, why = quant._quality_destination(action, bucket)
            if why:
                refuse(quant, quant.quantity, _("%(name)s: %(why)s", name=name, why=why))
                continue
            free = float_round(
                quant.quantity - quant.reserved_quantity, precision_rounding=rounding
            )
            qty = quant.quantity if quantity is None else quantity
            if float_compare(qty, 0, precision_rounding=rounding) <= 0:
                raise UserError(_("%(name)s: give a quantity greater than zero.", name=name))
            if quant.product_id.tracking == "serial" and float_compare(
                qty, 1, precision_rounding=rounding
            ):
                raise UserError(
                    _(
                        "%(name)s is tracked by serial number: act on exactly 1 unit "
                        "per serial, not %(qty)s.",
                        name=name,
                        qty=_q(qty),
                    )
                )
            if float_compare(qty, quant.quantity, precision_rounding=rounding) > 0:
                if action == "release":
                    message = _(
                        "%(name)s: you release %(qty)s but only %(held)s %(uom)s is held in "
                        "%(location)s. Release at most %(held)s.",
                        name=name,
                        qty=_q(qty),
                        held=_q(quant.quantity),
                        uom=quant.product_uom_id.name,
                        location=quant.location_id.complete_name,
                    )
                else:
                    message = _(
                        "%(name)s: %(location)s has only %(have)s %(uom)s, not %(qty)s. "
                        "Give at most %(have)s.",
                        name=name,
                        qty=_q(qty),
                        have=_q(quant.quantity),
                        uom=quant.product_uom_id.name,
                        location=quant.location_id.complete_name,
                    )
                raise UserError(message)
            if float_compare(qty, free, precision_rounding=rounding) > 0:
                reserved = quant.reserved_quantity
                moves = (
                    self.env["stock.move.line"]
                    .sudo()
                    .search(
                        [
                            ("location_id", "=", quant.location_id.id),
                            ("product_id", "=", quant.product_id.id),
                            ("lot_id", "=", quant.lot_id.id),
                            ("package_id", "=", quant.package_id.id),
                            ("state", "not in", ("done", "cancel")),
                            ("quantity", ">", 0),
                        ]
                    )
                )
                refs = ", ".join(sorted(set(moves.mapped("reference")) - {False})) or _(
                    "open transfers"
                )
                why = _(
                    "%(name)s in %(location)s: %(reserved)s %(uom)s is reserved for "
                    "%(refs)s. Unreserve it there first, then act again.",
                    name=name,
                    location=quant.location_id.complete_name,
                    reserved=_q(reserved),
                    uom=quant.product_uom_id.name,
                    refs=refs,
                )
                if not partial:
                    raise UserError(why)
                skipped.append((quant, float_round(qty - free, precision_rounding=rounding), why))
                qty = free
            if float_is_zero(qty, precision_rounding=rounding):
                continue
            plan.append((quant, qty, destination, warehouse, quant_bucket))
        return plan, skipped

    def _quality_execute(self, action, reason, note, plan):
        # A caller's default_* keys (a wizard's, a form's) must not reach the moves.
        clean = {k: v for k, v in self.env.context.items() if not k.startswith("default_")}
        self = self.with_env(self.env(context=clean))  # pylint: disable=self-cls-assignment
        labels = {
            "hold": _("Quality hold"),
            "release": _("Quality release"),
            "reject": _("Quality reject"),
        }
        move_vals = []
        for quant, qty, destination, warehouse, _bucket in plan:
            company = quant.company_id
            move_vals.append(
                {
                    "name": f"{labels[action]}: {reason.name}",
                    "origin": labels[action],
                    "product_id": quant.product_id.id,
                    "product_uom": quant.product_uom_id.id,
                    "product_uom_qty": qty,
                    "company_id": company.id,
                    "state": "confirmed",
                    "location_id": quant.location_id.id,
                    "location_dest_id": destination.id,
                    "restrict_partner_id": quant.owner_id.id,
                    "picking_type_id": warehouse.int_type_id.id,
                    "warehouse_id": warehouse.id,
                    "picked": True,
                    "move_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": quant.product_id.id,
                                "product_uom_id": quant.product_uom_id.id,
                                "quantity": qty,
                                "location_id": quant.location_id.id,
                                "location_dest_id": destination.id,
                                "company_id": company.id,
                                "lot_id": quant.lot_id.id,
                                "package_id": quant.package_id.id,
                                "owner_id": quant.owner_id.id,
                                "picked": True,
                            },
                        )
                    ],
                }
            )
        moves = self.env["stock.move"].create(move_vals)
        moves._action_done()
        history_vals = []
        now = fields.Datetime.now()
        for move, (quant, qty, destination, warehouse, bucket) in zip(moves, plan, strict=True):
            if move.state != "done":
                raise UserError(
                    _(
                        "The %(action)s of %(product)s could not be done.",
                        action=action,
                        product=quant.product_id.display_name,
                    )
                )
            history_vals.append(
                {
                    "action": action,
                    "bucket": bucket,
                    "date": now,
                    "user_id": self.env.user.id,
                    "reason_id": reason.id,
                    "note": note or False,
                    "product_id": move.product_id.id,
                    "lot_id": move.move_line_ids.lot_id.id,
                    "quantity": qty,
                    "location_id": move.location_id.id,
                    "location_dest_id": destination.id,
                    "warehouse_id": warehouse.id,
                    "move_id": move.id,
                    "company_id": move.company_id.id,
                }
            )
        # sudo: the history is written by the actions only, never by users directly.
        return self.env["stock.quality.hold.history"].sudo().create(history_vals).sudo(False)
