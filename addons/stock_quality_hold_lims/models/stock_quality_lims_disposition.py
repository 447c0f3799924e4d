"""A lab's decision on a lot, and what Odoo did with it.

States (one place writes them: :meth:`StockQualityLimsDisposition._set_state`)::

    waiting ──(the lot is received)──▶ applied
       │                           ├──▶ to_confirm ──(a Quality Manager confirms)──▶ applied
       │                           ├──▶ blocked    ──(unreserved, Apply Again)──────▶ applied
       │                           └──▶ superseded (older than the lot's last decision)
       └──▶ error (applying on arrival failed: Apply Again once fixed)

A decision older than the last one applied to its lot is recorded and flagged
(``superseded``), never applied: a late "released" cannot undo a newer
"rejected". Everything one decision moves is moved in one savepoint.
"""

import base64
import logging

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_round

from odoo.addons.stock_quality_hold.models.stock_quant import QUALITY_MANAGER
from odoo.addons.stock_sync_connector.models.stock_sync_inbound import Rejected

from ..services import disposition as lab

_logger = logging.getLogger(__name__)

WAITING = "waiting"
TO_CONFIRM = "to_confirm"
APPLIED = "applied"
BLOCKED = "blocked"
SUPERSEDED = "superseded"
ERROR = "error"
STATES = [
    (WAITING, "Waiting for the Lot"),
    (TO_CONFIRM, "To Confirm"),
    (APPLIED, "Applied"),
    (BLOCKED, "Blocked: Reserved Stock"),
    (SUPERSEDED, "Superseded: Older Decision"),
    (ERROR, "Error"),
]
OPEN = (WAITING, TO_CONFIRM, BLOCKED, ERROR)
RESULTS = [
    (lab.RELEASED, "Released"),
    (lab.REJECTED, "Rejected"),
    (lab.RETEST, "Retest"),
    (lab.CONDITIONAL, "Conditionally Released"),
]
HELD_BUCKETS = ("qa_hold", "quarantine")
REASON_RELEASE = "stock_quality_hold_lims.reason_lab_release"
REASON_REJECT = "stock_quality_hold_lims.reason_lab_reject"


class StockQualityLimsDisposition(models.Model):
    _name = "stock.quality.lims.disposition"
    _description = "Lab Disposition (LIMS)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "decided_at desc, id desc"
    _rec_name = "decision_id"

    backend_id = fields.Many2one(
        "stock.sync.backend", "LIMS", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    inbound_id = fields.Many2one(
        "stock.sync.inbound", "Inbound Event", readonly=True, index="btree_not_null"
    )
    decision_id = fields.Char("Lab Decision", required=True, readonly=True, index=True)
    decided_at = fields.Datetime(required=True, readonly=True, index=True)
    product_ref = fields.Char("Product Reference", required=True, readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    lot_name = fields.Char(required=True, readonly=True, index=True)
    lot_id = fields.Many2one("stock.lot", readonly=True, index="btree_not_null")
    result = fields.Selection(RESULTS, required=True, readonly=True)
    retest_date = fields.Date(readonly=True)
    restriction = fields.Text(readonly=True, help="What a conditional release allows.")
    quantities = fields.Json(
        readonly=True, help='A partial decision: [{"package": name or null, "quantity": n}].'
    )
    quantities_display = fields.Char("Partial Quantities", compute="_compute_quantities_display")
    analyst = fields.Char(readonly=True)
    approver = fields.Char(readonly=True)
    test_date = fields.Date(readonly=True)
    coa_ref = fields.Char("Certificate of Analysis", readonly=True)
    attachment_id = fields.Many2one("ir.attachment", "Certificate PDF", readonly=True)
    state = fields.Selection(
        STATES, required=True, readonly=True, index=True, tracking=True, default=WAITING
    )
    note = fields.Text(readonly=True, help="Why it waits, was blocked or superseded.")
    impact = fields.Html(
        "Reserved or Consumed",
        readonly=True,
        sanitize=True,
        help="On a rejection: the quantities already reserved or consumed, and the "
        "documents holding them.",
    )
    confirmed_by_id = fields.Many2one("res.users", readonly=True)
    confirmed_at = fields.Datetime(readonly=True)
    applied_at = fields.Datetime(readonly=True)
    history_ids = fields.One2many(
        "stock.quality.hold.history", "lims_disposition_id", "Quality History", readonly=True
    )

    _sql_constraints = [
        (
            "decision_unique",
            "UNIQUE(backend_id, decision_id)",
            "A lab decision is recorded once per LIMS.",
        )
    ]

    def _compute_quantities_display(self):
        for record in self:
            record.quantities_display = ", ".join(
                f"{line['quantity']:g} ({line['package'] or record.env._('loose')})"
                for line in record.quantities or []
            )

    def _set_state(self, state, **values):
        """The one place that moves dispositions between states."""
        self.write(dict(values, state=state))

    # ------------------------------------------------------------------
    # Recording a decision the lab sent
    # ------------------------------------------------------------------
    @api.model
    def _lims_record(self, backend, parsed, inbound):
        """Record and, if its lot is here, apply one checked disposition.

        Runs as the backend's inbound user, inside the caller's savepoint.

        :param backend: the ``stock.sync.backend`` of kind ``lims``.
        :param parsed: ``services.disposition.Disposition``.
        :param inbound: the ``stock.sync.inbound`` log entry of the message.
        :returns: the ``stock.quality.lims.disposition`` record.
        :raises Rejected: unknown product reference, another company's lot,
            partial quantities exceeding what is held, a release the hold
            engine refuses: nothing is written.
        """
        xref = backend._xref("stock.sync.xref.product", parsed.product_ref)
        if not xref:
            raise Rejected(
                _(
                    "Unknown product reference %(ref)s: no product cross-reference of %(backend)s "
                    "maps it. Add it in Odoo (Inventory Sync > Backends > %(backend)s > "
                    "Products), then send decision %(decision)s again.",
                    ref=parsed.product_ref,
                    backend=backend.name,
                    decision=parsed.decision_id,
                )
            )
        # No "created" note: the decision's own fields and its inbound entry say it all.
        record = (
            self.with_context(mail_create_nolog=True)
            .create(
                {
                    "backend_id": backend.id,
                    "inbound_id": inbound.id,
                    "decision_id": parsed.decision_id,
                    "decided_at": parsed.decided_at,
                    "product_ref": parsed.product_ref,
                    "product_id": xref.product_id.id,
                    "lot_name": parsed.lot_name,
                    "result": parsed.result,
                    "retest_date": parsed.retest_date,
                    "restriction": parsed.restriction,
                    "quantities": [{"package": p, "quantity": q} for p, q in parsed.quantities]
                    or False,
                    "analyst": parsed.analyst,
                    "approver": parsed.approver,
                    "test_date": parsed.test_date,
                    "coa_ref": parsed.coa_ref,
                }
            )
            .with_env(self.env)
        )
        if parsed.pdf:
            record.attachment_id = self.env["ir.attachment"].create(
                {
                    "name": parsed.pdf_filename,
                    "datas": base64.b64encode(parsed.pdf),
                    "mimetype": "application/pdf",
                    "res_model": record._name,
                    "res_id": record.id,
                }
            )
        record._lims_process()
        return record

    def _lims_find_lot(self):
        """``(lot, received)`` of this decision in its backend's company.

        :raises Rejected: the lot exists only in another company.
        """
        self.ensure_one()
        company = self.company_id
        # sudo: another company's lot is invisible to the inbound user; we only
        # need to know it exists to answer the lab that it is not ours.
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search([("name", "=", self.lot_name), ("product_id", "=", self.product_id.id)])
        )
        Line = self.env["stock.move.line"].sudo()
        own, foreign = lots.browse(), lots.browse()
        for lot in lots:
            if lot.company_id:
                ours = lot.company_id == company
            else:
                # Odoo 18 makes a lot on a receipt without a company: its moves tell.
                done = Line.search([("lot_id", "=", lot.id), ("state", "=", "done")])
                ours = not done.company_id or company in done.company_id
            if ours:
                own |= lot
            else:
                foreign |= lot
        lot = own[:1]
        if not lot and foreign:
            raise Rejected(
                _(
                    "Lot %(lot)s of %(product)s belongs to %(other)s, not to %(company)s (the "
                    "company of LIMS %(backend)s): this LIMS cannot decide on it. Send it to "
                    "the LIMS backend of %(other)s.",
                    lot=self.lot_name,
                    product=self.product_ref,
                    other=", ".join(foreign.company_id.mapped("name"))
                    or ", ".join(
                        Line.search([("lot_id", "in", foreign.ids)]).company_id.mapped("name")
                    ),
                    company=company.name,
                    backend=self.backend_id.name,
                )
            )
        received = bool(
            lot
            and Line.search_count(
                [("lot_id", "=", lot.id), ("state", "=", "done"), ("company_id", "=", company.id)],
                limit=1,
            )
        )
        return lot.sudo(False), received

    def _lims_process(self):
        """Apply this decision now if it can be: the one decision tree.

        Waits for the lot, is superseded by a newer decision, waits for a
        Quality Manager (four-eyes), or is executed.
        """
        self.ensure_one()
        lot, received = self._lims_find_lot()
        if not received:
            self._set_state(
                WAITING,
                lot_id=lot.id,
                note=_(
                    "Lot %(lot)s of %(product)s has not been received yet: the decision is "
                    "applied when it arrives.",
                    lot=self.lot_name,
                    product=self.product_id.display_name,
                ),
            )
            return
        self.lot_id = lot
        if self._lims_is_superseded():
            return
        self._lims_check_quantities()
        if (
            self.result in (lab.RELEASED, lab.CONDITIONAL)
            and not self.confirmed_by_id
            and self.product_id.categ_id._lims_release_needs_confirmation()
        ):
            self._set_state(
                TO_CONFIRM,
                note=_(
                    "%(category)s releases need a Quality Manager's confirmation in Odoo "
                    "before stock moves (four-eyes rule).",
                    category=self.product_id.categ_id.display_name,
                ),
            )
            self._lims_alert(
                _("Confirm lab release %s", self.decision_id),
                _(
                    "The lab released lot %(lot)s (%(product)s). Check the certificate, then "
                    "press Confirm Release.",
                    lot=self.lot_name,
                    product=self.product_id.display_name,
                ),
            )
            return
        self._lims_execute()

    def _lims_is_superseded(self):
        """Flag and stop a decision older than the last one applied to the lot."""
        last = self.lot_id.lims_disposition_id
        if not last or last == self or last.decided_at <= self.decided_at:
            return False
        self._set_state(
            SUPERSEDED,
            note=_(
                "Decided at %(time)s, before decision %(last)s (%(result)s, decided at "
                "%(last_time)s) already applied to lot %(lot)s: recorded, not applied.",
                time=self.decided_at,
                last=last.decision_id,
                result=dict(RESULTS)[last.result],
                last_time=last.decided_at,
                lot=self.lot_name,
            ),
        )
        self._lims_alert(
            _("Out-of-order lab decision %s", self.decision_id),
            _(
                "%(note)s Check with the lab which decision stands.",
                note=self.note,
            ),
        )
        return True

    # ------------------------------------------------------------------
    # What a decision moves
    # ------------------------------------------------------------------
    def _lims_quants(self, buckets=HELD_BUCKETS):
        """The lot's internal quants with stock in the company, in ``buckets`` (None: not held)."""
        domain = [
            ("lot_id", "=", self.lot_id.id),
            ("company_id", "=", self.company_id.id),
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
        ]
        if buckets:
            domain.append(("quality_bucket", "in", buckets))
        else:
            domain.append(("quality_bucket", "=", False))
        return self.env["stock.quant"].search(domain, order="id")

    def _lims_check_quantities(self):
        """``[(quant, quantity)]`` a partial decision moves; Rejected if it exceeds what is held."""
        plan = []
        if not self.quantities:
            return plan
        held = self._lims_quants()
        for line in self.quantities:
            package, wanted = line["package"], line["quantity"]
            quants = held.filtered(
                lambda q, p=package: (q.package_id.name == p) if p else not q.package_id
            )
            have = sum(quants.mapped("quantity"))
            rounding = self.product_id.uom_id.rounding
            if float_compare(wanted, have, precision_rounding=rounding) > 0:
                raise Rejected(
                    _(
                        "Decision %(decision)s names %(qty)s %(uom)s of lot %(lot)s in "
                        "%(package)s, but only %(have)s is held there (QA hold or quarantine): "
                        "nothing was applied. Check the quantities and send it again.",
                        decision=self.decision_id,
                        qty=f"{wanted:g}",
                        uom=self.product_id.uom_id.name,
                        lot=self.lot_name,
                        package=_("package %s", package) if package else _("loose stock"),
                        have=f"{have:g}",
                    )
                )
            for quant in quants:
                take = float_round(min(wanted, quant.quantity), precision_rounding=rounding)
                if take > 0:
                    plan.append((quant, take))
                    wanted -= take
        return plan

    def _lims_note(self):
        parts = [
            _(
                "Lab decision %(decision)s of %(backend)s: %(result)s",
                decision=self.decision_id,
                backend=self.backend_id.name,
                result=dict(RESULTS)[self.result],
            )
        ]
        if self.restriction:
            parts.append(_("restriction: %s", self.restriction))
        if self.retest_date:
            parts.append(_("retest on %s", self.retest_date))
        if self.analyst or self.approver:
            parts.append(
                _("analyst %(a)s, approver %(b)s", a=self.analyst or "-", b=self.approver or "-")
            )
        if self.coa_ref:
            parts.append(_("certificate %s", self.coa_ref))
        if self.confirmed_by_id:
            parts.append(
                _(
                    "confirmed by %(user)s on %(date)s",
                    user=self.confirmed_by_id.name,
                    date=self.confirmed_at,
                )
            )
        return "; ".join(parts)

    def _lims_act(self, action, reason, quants, plan):
        """Run one hold-engine action on the whole of ``quants`` or the partial ``plan``."""
        histories = self.env["stock.quality.hold.history"]
        note = self._lims_note()
        try:
            if plan:
                for quant, quantity in plan:
                    histories |= quant._quality_action(
                        action, reason, quantity=quantity, note=note
                    )[0]
            elif quants:
                histories = quants._quality_action(action, reason, note=note)[0]
        except (UserError, AccessError) as exc:
            raise Rejected(
                _(
                    "Decision %(decision)s cannot be applied to lot %(lot)s: %(why)s",
                    decision=self.decision_id,
                    lot=self.lot_name,
                    why=exc,
                )
            ) from None
        return histories

    def _lims_execute(self):
        """Move the lot's stock as the lab decided; everything or nothing."""
        self.ensure_one()
        plan = self._lims_check_quantities()
        histories = self.env["stock.quality.hold.history"]
        if self.result in (lab.RELEASED, lab.CONDITIONAL):
            histories = self._lims_act(
                "release", self.env.ref(REASON_RELEASE), self._lims_quants(), plan
            )
        elif self.result == lab.REJECTED:
            targets = self._lims_quants() if plan else self._lims_quants() | self._lims_quants(None)
            blocked, consumed = self._lims_impact(targets)
            if blocked:
                self._set_state(
                    BLOCKED,
                    note=_(
                        "Part of lot %(lot)s is reserved: nothing was moved. Unreserve it (or "
                        "let the documents below finish), then press Apply Again.",
                        lot=self.lot_name,
                    ),
                )
                self._lims_alert(_("Lab rejected reserved stock: %s", self.lot_name), self.note)
                return
            histories = self._lims_act("reject", self.env.ref(REASON_REJECT), targets, plan)
            if consumed:
                self._lims_alert(
                    _("Lab rejected a lot already used: %s", self.lot_name),
                    _(
                        "Part of lot %(lot)s was consumed or shipped before the lab rejected "
                        "it: see Reserved or Consumed on the decision.",
                        lot=self.lot_name,
                    ),
                )
        if histories:
            # sudo: the history is written by the quality actions only; this names the decision.
            histories.sudo().lims_disposition_id = self
        self._lims_update_lot()
        # Older decisions still open on this lot will never apply: this one is newer.
        older = self.search(
            [
                ("lot_id", "=", self.lot_id.id),
                ("state", "in", OPEN),
                ("id", "!=", self.id),
                ("decided_at", "<=", self.decided_at),
            ]
        )
        older._set_state(
            SUPERSEDED, note=_("Superseded by the newer decision %s.", self.decision_id)
        )
        self._set_state(APPLIED, applied_at=fields.Datetime.now(), note=False)

    def _lims_update_lot(self):
        lot = self.lot_id
        values = {
            "lims_disposition_id": self.id,
            "lims_result": self.result,
            "lims_restriction": self.restriction if self.result == lab.CONDITIONAL else False,
            "lims_coa_ref": self.coa_ref or lot.lims_coa_ref,
        }
        if self.result == lab.RETEST:
            values["lims_retest_date"] = self.retest_date
        lot.write(values)
        if self.attachment_id:
            # The certificate belongs to the lot: it moves there, named by the decision.
            self.attachment_id.write({"res_model": lot._name, "res_id": lot.id})
        body = Markup("<p>%s</p>") % self._lims_note()
        if self.result == lab.RETEST:
            body += Markup("<p>%s</p>") % _(
                "The stock stays held until the retest on %s.", self.retest_date
            )
        lot.message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            attachment_ids=self.attachment_id.ids,
        )

    def _lims_impact(self, targets):
        """``(reserved, consumed)``: what a rejection cannot move, listed on the decision.

        Reserved: open move lines on the lot's quants. Consumed or shipped:
        done move lines of the lot from an internal location to outside the
        company's stock (customers, production, scrap...).
        """
        Line = self.env["stock.move.line"]
        reserved = targets.filtered(
            lambda q: (
                float_compare(q.reserved_quantity, 0, precision_rounding=q.product_uom_id.rounding)
                > 0
            )
        )
        reserving = (
            Line.search(
                [
                    ("lot_id", "=", self.lot_id.id),
                    ("state", "not in", ("done", "cancel", "draft")),
                    ("location_id", "in", reserved.location_id.ids),
                ]
            )
            if reserved
            else Line
        )
        consumed = Line.search(
            [
                ("lot_id", "=", self.lot_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "done"),
                ("location_id.usage", "=", "internal"),
                ("location_dest_id.usage", "not in", ("internal", "transit")),
            ]
        )
        rows = []
        for label, lines in ((_("Reserved"), reserving), (_("Consumed or shipped"), consumed)):
            for line in lines:
                document = (
                    line.picking_id.name
                    or line.move_id.reference
                    or line.move_id.name
                    or _("stock move %s", line.move_id.id)
                )
                rows.append(
                    Markup("<li>%s: %s %s, %s (%s)</li>")
                    % (
                        label,
                        f"{line.quantity:g}",
                        line.product_uom_id.name,
                        escape(document),
                        line.location_id.complete_name,
                    )
                )
        self.impact = Markup("<ul>%s</ul>") % Markup("").join(rows) if rows else False
        return bool(reserved), bool(consumed)

    def _lims_alert(self, summary, note):
        """An activity for the Quality Manager: the backend's contact if one, else the first."""
        group = self.env.ref(QUALITY_MANAGER)
        contact = self.backend_id.alert_user_id
        # sudo: the inbound user may not read the members of groups; it only picks one.
        if not (contact and contact.sudo().has_group(QUALITY_MANAGER)):
            contact = (
                group.sudo()
                .users.filtered(
                    lambda u: u.active and not u.share and self.company_id in u.company_ids
                )
                .sorted("id")[:1]
            )
        if not contact:
            _logger.warning("LIMS decision %s: no Quality Manager to alert", self.decision_id)
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=contact.id
        )

    # ------------------------------------------------------------------
    # The lot arrives
    # ------------------------------------------------------------------
    @api.model
    def _lims_apply_waiting(self, lots):
        """Apply the decisions that waited for ``lots`` (just received), oldest first.

        Each decision runs as its backend's inbound user in a savepoint of its
        own: a failure flags it (``error``, an activity) and never blocks the
        receipt.
        """
        # sudo: whoever receives the lot releases the decisions waiting for it.
        waiting = self.sudo().search(
            [
                ("state", "=", WAITING),
                ("lot_name", "in", lots.mapped("name")),
                ("product_id", "in", lots.product_id.ids),
            ],
            order="decided_at, id",
        )
        for record in waiting:
            backend = record.backend_id
            runner = record.with_user(backend.inbound_user_id).with_company(backend.company_id)
            try:
                with self.env.cr.savepoint():
                    runner._lims_process()
            except (Rejected, UserError, AccessError) as exc:
                record._set_state(ERROR, note=str(exc))
                record._lims_alert(_("Lab decision %s not applied", record.decision_id), str(exc))

    # ------------------------------------------------------------------
    # People's actions
    # ------------------------------------------------------------------
    def _check_quality_manager(self):
        if not self.env.user.has_group(QUALITY_MANAGER):
            raise AccessError(_("Only Quality Managers may confirm or apply lab decisions."))

    def action_confirm_release(self):
        """Four-eyes: a Quality Manager confirms the lab's release; the stock moves now."""
        self._check_quality_manager()
        for record in self:
            if record.state != TO_CONFIRM:
                raise UserError(
                    _("Decision %s is not waiting for a confirmation.", record.decision_id)
                )
            record.write(
                {"confirmed_by_id": self.env.user.id, "confirmed_at": fields.Datetime.now()}
            )
            record._lims_apply_now()
        return True

    def action_apply_again(self):
        """Apply a blocked or failed decision again, once its cause is fixed."""
        self._check_quality_manager()
        for record in self:
            if record.state not in (BLOCKED, ERROR):
                raise UserError(
                    _(
                        "Only blocked or failed decisions are applied again (%s).",
                        record.decision_id,
                    )
                )
            record._lims_apply_now()
        return True

    def _lims_apply_now(self):
        try:
            with self.env.cr.savepoint():
                self._lims_process()
        except Rejected as exc:
            raise UserError(str(exc)) from None
        self.activity_ids.action_feedback(feedback=_("Done: %s", dict(STATES)[self.state]))
