import psycopg2

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, float_round

QUALITY_MANAGER = "stock_quality_hold.group_quality_manager"
QUALITY_OVERRIDE = "stock_quality_hold.group_quality_hold_override"


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
    quality_held_since = fields.Datetime(
        "Held Since",
        readonly=True,
        index=True,
        help="When this stock entered its hold bucket (the oldest hold of merged stock).",
    )
    quality_reason_id = fields.Many2one(
        "stock.quality.hold.reason",
        "Hold Reason",
        readonly=True,
        help="Why this stock entered its hold bucket.",
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
        self = self._quality_stocked(quantity)  # pylint: disable=self-cls-assignment
        if action == "release":
            self._quality_check_failed_release()
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

    def _quality_stocked(self, quantity):
        """These quants, locked, in allowed companies, with stock: what an action moves.

        :param float quantity: the quantity asked for, or None (only with one quant).
        :raises UserError: no quant, all emptied meanwhile, or a quantity for several.
        """
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
        if quantity is not None and len(stocked) != 1:
            raise UserError(_("A quantity can only be given for one quant at a time."))
        return stocked

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

    def _quality_check_failed_release(self):
        """Refuse to release failed stock unless the user may overrule the inspection.

        Failed stock is stock in a rejected bucket, or of a lot whose quality
        status is rejected. Releasing it needs the *Release failed stock* right
        (``group_quality_hold_override``).

        :raises UserError: naming the failed stock and who holds the right.
        """
        failed = self.filtered(
            lambda q: (
                q.location_id.quality_bucket == "rejected" or q.lot_id.quality_status == "rejected"
            )
        )
        if not failed or self.env.user.has_group(QUALITY_OVERRIDE):
            return
        # sudo: a quality manager may not read groups' members; only their names are shown.
        group = self.env.ref(QUALITY_OVERRIDE).sudo()
        holders = group.users.filtered(
            lambda u: u.active and self.env.company in u.company_ids
        ).sorted("name")
        if holders:
            who = ", ".join(holders[:5].mapped("name")) + (", ..." if len(holders) > 5 else "")
        else:
            who = _("nobody yet: an administrator grants it under Settings > Users")
        raise UserError(
            _(
                "%(stock)s failed its inspection (rejected). Only users with the "
                "'Release failed stock' right may release it: %(who)s. Ask one of them, "
                "or leave it rejected to be scrapped or returned to the vendor.",
                stock=", ".join(
                    sorted(
                        {
                            q.product_id.display_name + (f" ({q.lot_id.name})" if q.lot_id else "")
                            for q in failed
                        }
                    )
                ),
                who=who,
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

    def _quality_quantity(self, quantity, name, rounding):
        """The quantity to act on: all of this quant when ``quantity`` is None.

        :param quantity: in the product's unit, or None
        :param name: how the stock is named in the errors
        :raises UserError: zero or negative, or not exactly 1 of a serial
        """
        qty = self.quantity if quantity is None else quantity
        if float_compare(qty, 0, precision_rounding=rounding) <= 0:
            raise UserError(_("%(name)s: give a quantity greater than zero.", name=name))
        if self.product_id.tracking == "serial" and float_compare(
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
        return qty

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
            qty = quant._quality_quantity(quantity, name, rounding)
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
            # A package that holds only this quant moves whole, as a pallet does;
            # part of a package, or of a mixed one, is unpacked at the destination.
            package = quant.package_id
            if package and (
                package.quant_ids.filtered("quantity") != quant
                or float_compare(
                    qty, quant.quantity, precision_rounding=quant.product_uom_id.rounding
                )
            ):
                package = package.browse()
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
                                "result_package_id": package.id,
                                "owner_id": quant.owner_id.id,
                                "picked": True,
                            },
                        )
                    ],
                }
            )
        # quality_hold_move: no reservation, no push rules (see stock.move)
        moves = self.env["stock.move"].with_context(quality_hold_move=True).create(move_vals)
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

    # ------------------------------------------------------------------
    # Disposal of rejected stock: scrap it, or return it to the vendor
    # ------------------------------------------------------------------
    def action_open_quality_disposal_wizard(self):
        return self.env["stock.quality.disposal.wizard"]._open_for(
            "stock.quant", self, self.env.context.get("quality_disposal", "scrap")
        )

    def _quality_dispose(self, method, reason, quantity=None, note=False, partner=None):
        """Scrap these rejected quants, or return them to the vendor.

        Only stock in a rejected bucket can be disposed of, and only by a
        Quality Manager. ``scrap`` makes one done ``stock.scrap`` per quant
        (Odoo's own scrap order, to the company's scrap location). ``return``
        makes one outgoing transfer per warehouse and vendor, from the
        rejected bucket to the vendor's location, and validates it at once:
        the rejected bucket is the staging area already, so the stock leaves
        the books when the quality manager decides it, as the other quality
        actions do (a transfer left open would keep it reserved in the bucket
        instead, with nobody in charge of validating it). Each quantity is
        recorded in ``stock.quality.hold.history`` (action ``disposal``) and
        in its lot's chatter. All or nothing: any error raises before a
        single move is done.

        :param str method: ``scrap`` or ``return``.
        :param reason: ``stock.quality.hold.reason``, mandatory.
        :param float quantity: with one quant only, in its product's unit;
            default: all of it.
        :param partner: ``res.partner`` to return to; default: the vendor of
            the receipt that brought each lot in. Required when that is not
            known (untracked products, lots made or counted in).
        :returns: the ``stock.quality.hold.history`` records written.
        :raises UserError: unknown method, no reason, stock not rejected,
            quantity wrong, vendor unknown, another company's stock.
        :raises AccessError: the user is not a Quality Manager.
        """
        if method not in ("scrap", "return"):
            raise UserError(_("Unknown disposal %(method)s: scrap or return.", method=method))
        if not reason:
            raise UserError(
                _(
                    "Choose a reason for this disposal: every quality action needs one. "
                    "Quality managers add reasons under Inventory > Configuration > "
                    "Quality Hold Reasons."
                )
            )
        if not self.env.user.has_group(QUALITY_MANAGER):
            raise AccessError(
                _(
                    "Only Quality Managers may scrap rejected stock or return it to the "
                    "vendor. Ask one to do it."
                )
            )
        self = self._quality_stocked(quantity)  # pylint: disable=self-cls-assignment
        plan = self._quality_disposal_plan(method, quantity, partner)
        clean = {k: v for k, v in self.env.context.items() if not k.startswith("default_")}
        self = self.with_env(self.env(context=clean))  # pylint: disable=self-cls-assignment
        if method == "scrap":
            rows = self._quality_scrap(reason, plan)
        else:
            rows = self._quality_return(reason, plan)
        now = fields.Datetime.now()
        history_vals = []
        for (quant, qty, warehouse, vendor, _origin), (move, scrap, picking) in zip(
            plan, rows, strict=True
        ):
            if move.state != "done":
                raise UserError(
                    _(
                        "The disposal of %(product)s could not be done.",
                        product=quant.product_id.display_name,
                    )
                )
            history_vals.append(
                {
                    "action": "disposal",
                    "disposal_method": method,
                    "bucket": "rejected",
                    "date": now,
                    "user_id": self.env.user.id,
                    "reason_id": reason.id,
                    "note": note or False,
                    "product_id": move.product_id.id,
                    "lot_id": quant.lot_id.id,
                    "quantity": qty,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                    "warehouse_id": warehouse.id,
                    "move_id": move.id,
                    "company_id": move.company_id.id,
                    "scrap_id": scrap.id,
                    "picking_id": picking.id,
                    "partner_id": vendor.id,
                }
            )
        # sudo: the history is written by the actions only, never by users directly.
        histories = self.env["stock.quality.hold.history"].sudo().create(history_vals).sudo(False)
        lots = histories.lot_id
        # A lot with stock left gets its status from where that lies; a lot
        # disposed of entirely keeps the status it had (rejected).
        remaining = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ]
            )
            .lot_id
        )
        (lots & remaining)._update_quality_status()
        lots._quality_post_disposal(histories)
        histories._quality_recorded()
        return histories

    def _quality_vendor(self):
        """(vendor, receipt move) of the receipt that brought this quant's lot in, if known."""
        self.ensure_one()
        if not self.lot_id:
            return self.env["res.partner"], self.env["stock.move"]
        line = (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "=", self.lot_id.id),
                    ("state", "=", "done"),
                    ("location_id.usage", "=", "supplier"),
                    ("move_id.picking_id.partner_id", "!=", False),
                ],
                order="date desc, id desc",
                limit=1,
            )
        )
        return line.move_id.picking_id.partner_id.sudo(False), line.move_id.sudo(False)

    def _quality_disposal_plan(self, method, quantity, partner):
        plan = []
        for quant in self:
            rounding = quant.product_uom_id.rounding
            name = quant.product_id.display_name + (
                f" ({quant.lot_id.name})" if quant.lot_id else ""
            )
            location = quant.location_id
            if location.quality_bucket != "rejected":
                raise UserError(
                    _(
                        "%(name)s lies in %(location)s: only rejected stock can be scrapped "
                        "or returned to the vendor. Reject it first.",
                        name=name,
                        location=location.complete_name,
                    )
                )
            qty = quant._quality_quantity(quantity, name, rounding)
            free = float_round(
                quant.quantity - quant.reserved_quantity, precision_rounding=rounding
            )
            if float_compare(qty, free, precision_rounding=rounding) > 0:
                raise UserError(
                    _(
                        "%(name)s: %(location)s has %(free)s %(uom)s that can be disposed of "
                        "(of %(have)s, the rest is reserved), not %(qty)s. Give at most "
                        "%(free)s, or unreserve the rest first.",
                        name=name,
                        location=location.complete_name,
                        free=_q(free),
                        have=_q(quant.quantity),
                        uom=quant.product_uom_id.name,
                        qty=_q(qty),
                    )
                )
            vendor, origin = self.env["res.partner"], self.env["stock.move"]
            if method == "return":
                vendor, origin = quant._quality_vendor()
                if partner:
                    vendor = partner
                    origin = origin if origin.picking_id.partner_id == partner else origin.browse()
                if not vendor:
                    raise UserError(
                        _(
                            "%(name)s: no receipt tells which vendor it came from. Choose the "
                            "vendor to return it to.",
                            name=name,
                        )
                    )
            plan.append((quant, qty, location.quality_warehouse_id, vendor, origin))
        return plan

    def _quality_scrap(self, reason, plan):
        """One done scrap order per planned quantity; returns [(move, scrap, picking)]."""
        scraps = self.env["stock.scrap"].create(
            [
                {
                    "product_id": quant.product_id.id,
                    "product_uom_id": quant.product_uom_id.id,
                    "lot_id": quant.lot_id.id,
                    "package_id": quant.package_id.id,
                    "owner_id": quant.owner_id.id,
                    "company_id": quant.company_id.id,
                    "location_id": quant.location_id.id,
                    "scrap_qty": qty,
                    "origin": self.env._("Quality disposal: %(reason)s", reason=reason.name),
                }
                for quant, qty, _warehouse, _vendor, _origin in plan
            ]
        )
        scraps.do_scrap()
        return [(scrap.move_ids[:1], scrap, self.env["stock.picking"]) for scrap in scraps]

    def _quality_return(self, reason, plan):
        """One validated return per warehouse and vendor; returns [(move, scrap, picking)]."""
        groups = {}
        for index, (quant, _qty, warehouse, vendor, _origin) in enumerate(plan):
            groups.setdefault((warehouse, vendor, quant.location_id), []).append(index)
        moves_by_index = {}
        for (warehouse, vendor, location), indexes in groups.items():
            picking_type = warehouse.in_type_id.return_picking_type_id or warehouse.out_type_id
            destination = vendor.with_company(warehouse.company_id).property_stock_supplier
            origins = plan[indexes[0]][4].browse()
            for index in indexes:
                origins |= plan[index][4]
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": vendor.id,
                    "location_id": location.id,
                    "location_dest_id": destination.id,
                    "company_id": warehouse.company_id.id,
                    "origin": ", ".join(
                        [_("Quality disposal: %(reason)s", reason=reason.name)]
                        + sorted(set(origins.picking_id.mapped("name")))
                    ),
                }
            )
            move_vals = []
            for index in indexes:
                quant, qty, _warehouse, _vendor, origin = plan[index]
                # Confirmed with its move line, as the other quality actions: Odoo's
                # reservation would pick any lot of the bucket, not this quant's.
                move_vals.append(
                    {
                        "name": self.env._(
                            "Return of rejected %(product)s", product=quant.product_id.name
                        ),
                        "picking_id": picking.id,
                        "product_id": quant.product_id.id,
                        "product_uom": quant.product_uom_id.id,
                        "product_uom_qty": qty,
                        "company_id": warehouse.company_id.id,
                        "state": "confirmed",
                        "location_id": location.id,
                        "location_dest_id": destination.id,
                        "partner_id": vendor.id,
                        "restrict_partner_id": quant.owner_id.id,
                        "origin_returned_move_id": origin.id,
                        "picking_type_id": picking_type.id,
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
                                    "location_id": location.id,
                                    "location_dest_id": destination.id,
                                    "company_id": warehouse.company_id.id,
                                    "picking_id": picking.id,
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
            picking._action_done()
            for move, index in zip(moves, indexes, strict=True):
                moves_by_index[index] = move
        return [
            (moves_by_index[i], self.env["stock.scrap"], moves_by_index[i].picking_id)
            for i in range(len(plan))
        ]
