import csv
import io
import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_is_zero

from odoo.addons.stock_sync_connector.services import inbound_event

from ..services import compare as cmp
from ..services import snapshot_file

_logger = logging.getLogger(__name__)

MANAGER = "stock_sync.group_stock_sync_manager"
USER = "stock_sync.group_stock_sync_user"
DRAFT, COMPARED, TO_APPROVE, APPLIED, CANCEL = (
    "draft",
    "compared",
    "to_approve",
    "applied",
    "cancel",
)
STATES = [
    (DRAFT, "Draft"),
    (COMPARED, "Compared"),
    (TO_APPROVE, "To Approve"),
    (APPLIED, "Applied"),
    (CANCEL, "Cancelled"),
]
# A snapshot time later than now by more than this is refused (clock skew).
FUTURE_MARGIN = timedelta(minutes=5)
APPLIED_DECISIONS = (cmp.APPROVED, cmp.AUTO)


class StockSyncReconciliation(models.Model):
    """One comparison of an external snapshot with Odoo's stock at the snapshot's time.

    The run's life: ``draft`` (snapshot loaded) -> ``compared`` or
    ``to_approve`` (difference lines written; some wait for a person) ->
    ``applied`` (the approved corrections are inventory adjustments linked to
    the run; once only) or ``cancel``. The comparison itself is
    ``services/compare`` (set-based SQL); this model checks rights and
    input, and keeps the figures planners read: ``accuracy``,
    ``variance_value``, the counts per class, ``as_of``, ``warehouse_id``.
    """

    _name = "stock.sync.reconciliation"
    _description = "Inventory Reconciliation Run"
    _inherit = ["mail.thread"]
    _order = "as_of desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    state = fields.Selection(
        STATES, default=DRAFT, required=True, readonly=True, tracking=True, index=True, copy=False
    )
    as_of = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        tracking=True,
        help="When the external system took the snapshot (time T). Odoo's stock is taken at "
        "the same time: from the move history when anything moved since.",
    )
    date = fields.Date(
        compute="_compute_date", store=True, help="The day of the snapshot, for graphs."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    backend_id = fields.Many2one(
        "stock.sync.backend",
        check_company=True,
        tracking=True,
        help="The system the snapshot comes from: its cross-references map it and its "
        "endpoints tell which events are still in flight. Empty: SKUs are internal references "
        "or barcodes, locations are Odoo's names or barcodes.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        index=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    full_snapshot = fields.Boolean(
        default=True,
        help="The snapshot lists everything the system holds in the warehouse: Odoo stock it "
        "does not list is missing externally. Off: only the products it lists are compared.",
    )
    status_mapping = fields.Text(
        help="One 'status = bucket' per line, added to the defaults (available, allocated, "
        "qa_hold, quarantine, blocked, rejected, damaged...). Buckets: available, qa_hold, "
        "quarantine, rejected.",
    )
    reason = fields.Char(
        "Correction Reason",
        default=lambda self: _("Reconciliation"),
        help="Written on every inventory adjustment the run applies.",
    )
    file_name = fields.Char(readonly=True)
    snapshot_ids = fields.One2many("stock.sync.reconciliation.snapshot", "reconciliation_id")
    snapshot_count = fields.Integer(readonly=True)
    line_ids = fields.One2many("stock.sync.reconciliation.line", "reconciliation_id")
    move_ids = fields.One2many("stock.move", "reconciliation_id", readonly=True)
    key_count = fields.Integer("Keys Compared", readonly=True)
    matched_count = fields.Integer("Keys Matching", readonly=True)
    count_quantity = fields.Integer("Quantity Mismatches", readonly=True)
    count_missing_odoo = fields.Integer("Missing in Odoo", readonly=True)
    count_missing_external = fields.Integer("Missing Externally", readonly=True)
    count_lot = fields.Integer("Lot Mismatches", readonly=True)
    count_status = fields.Integer("Status Mismatches", readonly=True)
    count_unit_factor = fields.Integer("Unit Factor Suspicions", readonly=True)
    count_unmapped = fields.Integer("Unmapped", readonly=True)
    count_in_flight = fields.Integer("In Flight", readonly=True)
    difference_count = fields.Integer("Differences", readonly=True)
    anomaly_count = fields.Integer(
        "Anomalies",
        readonly=True,
        help="Differences whose key repeats across runs or jumps beyond its history.",
    )
    accuracy = fields.Float(
        "Accuracy (%)",
        readonly=True,
        aggregator="avg",
        digits=(5, 2),
        help="Inventory record accuracy: percent of the keys compared that match, are within "
        "tolerance or are explained by events in flight.",
    )
    variance_value = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Sum of the absolute differences at cost (in flight and unmapped left out).",
    )
    applied_value = fields.Monetary(readonly=True, currency_field="currency_id")
    applied_count = fields.Integer("Corrections Applied", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    stock_from_ledger = fields.Boolean(
        "Stock From Move History",
        readonly=True,
        help="Something moved after T: Odoo's stock at T was rebuilt from the done move lines.",
    )
    queued = fields.Boolean(
        "Comparing in Background",
        readonly=True,
        copy=False,
        help="The comparison runs in the background (a scheduled action); leave and come back.",
    )
    progress = fields.Float(readonly=True, copy=False, digits=(5, 1))
    progress_message = fields.Char(readonly=True, copy=False)
    compared_on = fields.Datetime(readonly=True)
    compare_seconds = fields.Float("Compare Time (s)", readonly=True, digits=(8, 3))
    applied_on = fields.Datetime(readonly=True, copy=False)
    applied_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    to_review_count = fields.Integer(compute="_compute_to_review_count")

    _sql_constraints = [
        ("name_unique", "UNIQUE(company_id, name)", "A reconciliation run's name is unique."),
    ]

    @api.depends("as_of")
    def _compute_date(self):
        for run in self:
            run.date = run.as_of and run.as_of.date()

    def _compute_to_review_count(self):
        groups = self.env["stock.sync.reconciliation.line"]._read_group(
            [("reconciliation_id", "in", self.ids), ("decision", "=", cmp.TO_REVIEW)],
            ["reconciliation_id"],
            ["__count"],
        )
        counts = {run.id: n for run, n in groups}
        for run in self:
            run.to_review_count = counts.get(run.id, 0)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("stock.sync.reconciliation") or "/"
                )
            if vals.get("backend_id"):
                self._check_backend_access(
                    self.env["stock.sync.backend"].browse(vals["backend_id"])
                )
        runs = super().create(vals_list)
        runs._check_not_future()
        return runs

    def write(self, vals):
        watched = {"as_of", "backend_id", "warehouse_id", "company_id", "full_snapshot"}
        if watched & set(vals) and self.filtered(lambda run: run.state in (APPLIED, CANCEL)):
            raise UserError(_("An applied or cancelled run cannot change: start a new run."))
        if vals.get("backend_id"):
            self._check_backend_access(self.env["stock.sync.backend"].browse(vals["backend_id"]))
        result = super().write(vals)
        if "as_of" in vals:
            self._check_not_future()
        return result

    @api.constrains("backend_id", "warehouse_id")
    def _check_backend_warehouse(self):
        for run in self:
            backend = run.backend_id
            # sudo: reading which warehouses a backend serves, to refuse a mismatch.
            if (
                backend
                and backend.sudo().warehouse_ids
                and (run.warehouse_id not in backend.sudo().warehouse_ids)
            ):
                raise ValidationError(
                    _(
                        "Backend %(backend)s does not serve warehouse %(warehouse)s: choose one of "
                        "its warehouses.",
                        backend=backend.sudo().name,
                        warehouse=run.warehouse_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    @api.model
    def _check_backend_access(self, backends=None):
        """The acting user must be allowed to read the backend(s) (company rules, groups).

        :param backends: ``stock.sync.backend`` records; default: the runs' backends.
        :raises UserError: one of them is out of the user's reach (logged).
        """
        backends = self.backend_id if backends is None else backends
        user = self.env.user
        for backend in backends:
            reachable = backend.with_user(user).with_context(
                allowed_company_ids=user.company_ids.ids
            )
            try:
                reachable.check_access("read")
            except AccessError:
                _logger.warning(
                    "Inventory Sync reconciliation: %s may not use backend #%s",
                    user.login,
                    backend.id,
                )
                raise UserError(
                    _(
                        "You may not use backend #%(id)s: it belongs to a company you do not "
                        "work for, or you lack the Inventory Sync rights. Ask an Inventory "
                        "Sync Manager of that company to run the reconciliation.",
                        id=backend.id,
                    )
                )

    def _check_not_future(self):
        now = fields.Datetime.now()
        for run in self:
            if run.as_of and run.as_of > now + FUTURE_MARGIN:
                raise UserError(
                    _(
                        "The snapshot is dated %(as_of)s (UTC), after now (%(now)s): a snapshot "
                        "from the future cannot be compared. Check the export's time zone.",
                        as_of=run.as_of,
                        now=now,
                    )
                )

    def _check_state(self, *states):
        for run in self:
            if run.state not in states:
                raise UserError(
                    _(
                        "Run %(run)s is %(state)s: this needs a run that is %(wanted)s.",
                        run=run.name,
                        state=dict(STATES)[run.state],
                        wanted=" or ".join(dict(STATES)[s] for s in states),
                    )
                )

    # ------------------------------------------------------------------
    # Hooks for glue modules
    # ------------------------------------------------------------------
    def _bucket_locations(self):
        """{(warehouse id, bucket): location id}: where held stock of a status lies.

        Empty here; the quality-hold glue module returns the warehouses'
        hold buckets, so that a snapshot line 'quarantine' is compared with
        Odoo's quarantine location.
        """
        return {}

    def _location_buckets(self):
        """{location id: bucket} of the locations that are a hold bucket (glue modules)."""
        return {}

    def _statuses(self):
        """{snapshot status: bucket}: the defaults and the run's own mapping."""
        self.ensure_one()
        statuses = dict(cmp.DEFAULT_STATUSES)
        for number, line in enumerate((self.status_mapping or "").splitlines(), start=1):
            if not line.strip():
                continue
            if "=" not in line:
                raise UserError(
                    _(
                        "Status mapping, line %(n)s: write 'status = bucket', e.g. 'damaged = rejected'.",
                        n=number,
                    )
                )
            status, bucket = (part.strip().lower() for part in line.split("=", 1))
            statuses[status] = bucket
        return statuses

    def _scope_location_ids(self):
        """The internal locations of the run's warehouse, with its hold buckets."""
        self.ensure_one()
        locations = (
            self.env["stock.location"]
            .with_context(active_test=False)
            .search(
                [
                    ("id", "child_of", self.warehouse_id.view_location_id.id),
                    ("usage", "=", "internal"),
                ]
            )
        )
        ids = set(locations.ids)
        ids.update(self._bucket_locations().values())
        return sorted(ids)

    def _endpoint_ids(self):
        """The outbox endpoints that send to the run's backend."""
        self.ensure_one()
        if not self.backend_id:
            return []
        # sudo: endpoints are manager records; which ones feed the backend is needed to
        # tell events in flight, and only their ids leave this method.
        endpoints = (
            self.env["stock.sync.endpoint"]
            .sudo()
            .with_context(active_test=False)
            .search([("backend_id", "=", self.backend_id.id)])
        )
        return endpoints.ids

    # ------------------------------------------------------------------
    # Snapshot
    # ------------------------------------------------------------------
    def _load_snapshot(self, rows, file_name=None):
        """Store ``rows`` (``services.snapshot_file.SnapshotRow``) as the run's snapshot.

        Replaces any earlier snapshot of a draft run; rows are written with
        one ``COPY``. They are mapped by the comparison (``action_compare``),
        which refuses units of another category than their product's.

        :raises UserError: the run is not a draft, its backend is out of the
            user's reach, or its time is in the future.
        """
        self.ensure_one()
        self._check_state(DRAFT)
        self.check_access("write")
        self._check_backend_access()
        self._check_not_future()
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "DELETE FROM stock_sync_reconciliation_snapshot WHERE reconciliation_id = %s",
            (self.id,),
        )
        now = fields.Datetime.to_string(fields.Datetime.now())
        uid, run_id, company_id = self.env.uid, self.id, self.company_id.id
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:
            writer.writerow(
                (
                    run_id,
                    company_id,
                    row.row,
                    row.sku,
                    row.location or "",
                    row.lot or "",
                    row.status or "",
                    repr(float(row.quantity)),
                    row.unit or "",
                    uid,
                    uid,
                    now,
                    now,
                )
            )
        buffer.seek(0)
        cr.copy_expert(
            "COPY stock_sync_reconciliation_snapshot (reconciliation_id, company_id, row_number, sku,"
            " location_code, lot_name, status, quantity, unit, create_uid, write_uid, create_date,"
            " write_date) FROM STDIN WITH (FORMAT csv,"
            " FORCE_NOT_NULL (sku, location_code, lot_name, status, unit))",
            buffer,
        )
        self.write({"snapshot_count": len(rows), "file_name": file_name or self.file_name})
        self.env["stock.sync.reconciliation.snapshot"].invalidate_model()
        return len(rows)

    def _map_snapshot(self):
        self.ensure_one()
        cr = self.env.cr
        locations = self._scope_location_ids()
        unmapped = cmp.map_snapshot(
            cr,
            self.id,
            self.company_id.id,
            self.backend_id.id or None,
            locations,
            self.warehouse_id.lot_stock_id.id,
            self._statuses(),
            self._bucket_locations(),
        )
        count, examples = cmp.unit_category_errors(cr, self.id)
        if count:
            details = "; ".join(f"row {row} ({sku}, unit {unit})" for row, sku, unit in examples)
            raise UserError(
                _(
                    "%(count)s rows are in a unit of another category than their product's "
                    "(%(details)s): a quantity in kg cannot be compared with units. Fix the "
                    "unit column or the unit cross-references; nothing was imported.",
                    count=count,
                    details=details,
                )
            )
        self.env["stock.sync.reconciliation.snapshot"].invalidate_model()
        return unmapped

    # ------------------------------------------------------------------
    # Compare
    # ------------------------------------------------------------------
    def _compare_params(self):
        self.ensure_one()
        threshold = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_sync_reconciliation.approval_value", "1000")
        )
        endpoint_ids = self._endpoint_ids()
        return cmp.CompareParams(
            run_id=self.id,
            company_id=self.company_id.id,
            as_of=self.as_of,
            location_ids=self._scope_location_ids(),
            buckets=self._location_buckets(),
            endpoint_ids=endpoint_ids,
            # sudo: the outbox's numbering queue is technical; only event ids leave it.
            waiting_event_ids=self.env["stock.sync.sequence"]
            .sudo()
            ._waiting_events_for(endpoint_ids),
            backend_id=self.backend_id.id or None,
            full_snapshot=self.full_snapshot,
            default_value_threshold=threshold,
        )

    def action_compare(self):
        """Compare the snapshot with Odoo's stock at ``as_of``; write the difference lines.

        Can run again while no correction is applied (after fixing a
        cross-reference, say): the lines are replaced.
        """
        for run in self:
            run._check_state(DRAFT, COMPARED, TO_APPROVE)
            run.check_access("write")
            run._check_backend_access()
            run._check_not_future()
            if not run.snapshot_count:
                raise UserError(_("Run %s has no snapshot: import one first.", run.name))
            run._compare()
        return True

    def action_compare_background(self):
        """Queue the comparison for the background action: for large snapshots."""
        for run in self:
            run._check_state(DRAFT, COMPARED, TO_APPROVE)
            run.check_access("write")
            run._check_backend_access()
            if not run.snapshot_count:
                raise UserError(_("Run %s has no snapshot: import one first.", run.name))
        self.write({"queued": True, "progress": 0, "progress_message": _("Waiting to start")})
        self.env.ref("stock_sync_reconciliation.ir_cron_reconciliation_compare")._trigger()
        return True

    @api.model
    def _cron_compare_queued(self, limit=5):
        """Compare the queued runs, oldest first; each one's progress is visible as it goes."""
        for run in self.search([("queued", "=", True)], order="id", limit=limit):
            try:
                with self.env.cr.savepoint():
                    run._compare(progress=run._report_progress)
            except UserError as exc:
                _logger.warning("Inventory Sync reconciliation %s failed: %s", run.name, exc)
                run.message_post(body=_("The comparison failed: %s", exc))
            run.write({"queued": False})
        if self.search_count([("queued", "=", True)]):
            self.env.ref("stock_sync_reconciliation.ir_cron_reconciliation_compare")._trigger()

    def _report_progress(self, percent, message):
        """Write the progress in a transaction of its own, so that the wizard sees it now."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                "UPDATE stock_sync_reconciliation SET progress = %s, progress_message = %s"
                " WHERE id = %s",
                (percent, message, self.id),
            )

    def _compare(self, progress=None):
        self.ensure_one()
        started = time.perf_counter()
        self.env.flush_all()
        self._map_snapshot()
        figures = cmp.compare(self.env.cr, self._compare_params(), progress=progress)
        self.env["stock.sync.reconciliation.line"].invalidate_model()
        counts = figures["counts"]
        keys = figures["keys"]
        accurate = figures["matched"] + figures["within"]
        to_review = self.env["stock.sync.reconciliation.line"].search_count(
            [("reconciliation_id", "=", self.id), ("decision", "=", cmp.TO_REVIEW)]
        )
        self.write(
            {
                "state": TO_APPROVE if to_review else COMPARED,
                "key_count": keys,
                "matched_count": figures["matched"],
                "difference_count": sum(counts.values()),
                "accuracy": round(100.0 * accurate / keys, 2) if keys else 100.0,
                "variance_value": figures["variance_value"],
                "stock_from_ledger": figures["past"],
                "compared_on": fields.Datetime.now(),
                "compare_seconds": time.perf_counter() - started,
                "progress": 100,
                "progress_message": _("Compared"),
                **{f"count_{code}": counts.get(code, 0) for code, _label in cmp.CLASSES},
            }
        )
        self._after_compare()

    def _after_compare(self):
        """After each comparison: flag keys whose variance repeats or jumps (z-score)."""
        self.ensure_one()
        self.env.flush_all()
        flagged = cmp.flag_anomalies(self.env.cr, self.id, self.warehouse_id.id, self.as_of)
        self.env["stock.sync.reconciliation.line"].invalidate_model(["anomaly"])
        self.anomaly_count = flagged

    # ------------------------------------------------------------------
    # Apply
    # ------------------------------------------------------------------
    def _lock(self):
        """Lock the run's row, so that two people cannot apply it at once."""
        try:
            self.env.cr.execute(
                "SELECT state FROM stock_sync_reconciliation WHERE id = %s FOR UPDATE NOWAIT",
                (self.id,),
            )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                _(
                    "Run %s is being applied by someone else right now: reload it in a moment.",
                    self.name,
                )
            )
        return self.env.cr.fetchone()[0]

    def action_apply(self):
        """Post the approved and auto-accepted corrections as inventory adjustments.

        Each correction is ``external + in flight - Odoo at T`` added to
        today's quant (so moves after T are neither undone nor counted
        twice), through ``stock.quant._apply_inventory`` with the run's
        reason; the moves link back to the run. Lines still to review are
        left as they are. Once only: a second apply is refused.
        """
        self.ensure_one()
        self.check_access("write")
        if not self.env.user.has_group(USER):
            raise AccessError(_("Only Inventory Sync users may apply a reconciliation."))
        state = self._lock()
        if state == APPLIED:
            raise UserError(
                _(
                    "Run %(run)s was already applied on %(date)s by %(user)s: a run is applied "
                    "once. Compare a new snapshot to correct what is left.",
                    run=self.name,
                    date=self.applied_on,
                    user=self.applied_by_id.name,
                )
            )
        self.invalidate_recordset(["state"])
        self._check_state(COMPARED, TO_APPROVE)
        lines = self.line_ids.filtered(
            lambda line: (
                line.decision in APPLIED_DECISIONS
                and not line.applied
                and line.diff_class not in (cmp.UNMAPPED, cmp.IN_FLIGHT)
                and not float_is_zero(
                    line.correction_qty, precision_rounding=line.product_id.uom_id.rounding
                )
            )
        )
        moves = self._apply_lines(lines)
        self.write(
            {
                "state": APPLIED,
                "applied_on": fields.Datetime.now(),
                "applied_by_id": self.env.uid,
                "applied_count": len(lines),
                "applied_value": sum(abs(value) for value in lines.mapped("value")),
            }
        )
        self.message_post(
            body=_(
                "%(n)s corrections applied as %(moves)s inventory adjustments (value %(value)s).",
                n=len(lines),
                moves=len(moves),
                value=self.applied_value,
            )
        )
        return True

    def _apply_lines(self, lines):
        by_key = defaultdict(lambda: self.env["stock.sync.reconciliation.line"])
        for line in lines:
            by_key[(line.product_id, line.location_id, line.lot_id, line.lot_name or "")] |= line
        # sudo: inventory adjustments need the Inventory Administrator's rights; this run's
        # lines were approved above (by a manager over the value threshold) and the run is
        # the trace: every move carries it.
        Quant = (
            self.env["stock.quant"]
            .sudo()
            .with_context(
                inventory_mode=True,
                inventory_name=_(
                    "%(run)s: %(reason)s", run=self.name, reason=self.reason or _("Reconciliation")
                ),
                stock_sync_reconciliation_id=self.id,
            )
        )
        Lot = self.env["stock.lot"].sudo()
        quants = Quant.browse()
        before = {}
        for (product, location, lot, new_lot), key_lines in by_key.items():
            if not lot and new_lot:
                lot = Lot.search([("product_id", "=", product.id), ("name", "=", new_lot)], limit=1)
                lot = lot or Lot.create(
                    {"product_id": product.id, "name": new_lot, "company_id": self.company_id.id}
                )
            delta = sum(key_lines.mapped("correction_qty"))
            current = Quant.search(
                [
                    ("product_id", "=", product.id),
                    ("location_id", "=", location.id),
                    ("lot_id", "=", lot.id or False),
                    ("package_id", "=", False),
                    ("owner_id", "=", False),
                ],
                limit=1,
            )
            on_hand = current.quantity if current else 0.0
            quant = Quant.create(
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "lot_id": lot.id or False,
                    "inventory_quantity": on_hand + delta,
                }
            )
            before[key_lines] = (quant, on_hand, lot)
            quants |= quant
        if quants:
            quants._apply_inventory()
        moves = self.env["stock.move"].sudo().search([("reconciliation_id", "=", self.id)])
        move_by_key = {}
        for move in moves:
            for ml in move.move_line_ids:
                location = (
                    ml.location_dest_id
                    if ml.location_dest_id.usage == "internal"
                    else ml.location_id
                )
                move_by_key[(move.product_id.id, location.id, ml.lot_id.id)] = move
        # sudo: lines are written by the run's methods only (users read them).
        for key_lines, (quant, on_hand, lot) in before.items():
            move = move_by_key.get((quant.product_id.id, quant.location_id.id, lot.id))
            key_lines.sudo().write(
                {
                    "applied": True,
                    "move_id": move.id if move else False,
                    "lot_id": lot.id or False,
                    "qty_before": on_hand,
                    "qty_after": on_hand + sum(key_lines.mapped("correction_qty")),
                }
            )
        return moves

    def action_cancel(self):
        self._check_state(DRAFT, COMPARED, TO_APPROVE)
        self.check_access("write")
        self.write({"state": CANCEL})
        return True

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------
    @api.model
    def _create_from_payload(self, payload, allow_empty=False):
        """A compared run from a posted snapshot (see ``controllers/main.py`` for the shape).

        :raises UserError: the payload is not an object, a field has the wrong
            type, the warehouse is unknown, or a line is refused (as a file's).
        """
        if not isinstance(payload, dict):
            raise UserError(_("The body must be a JSON object with as_of, warehouse and lines."))
        lines = payload.get("lines")
        if not isinstance(lines, list) or (not lines and not allow_empty):
            raise UserError(
                _(
                    "'lines' must be a non-empty list of {sku, location, lot, status, quantity, unit}."
                )
            )
        if any(not isinstance(line, dict) for line in lines):
            raise UserError(_("Each of 'lines' must be an object with sku and quantity."))
        if not payload.get("as_of"):
            raise UserError(_("'as_of' is required: when the snapshot was taken (ISO 8601, UTC)."))
        try:
            as_of = inbound_event.parse_time(payload.get("as_of"))
        except inbound_event.InboundEventError as exc:
            raise UserError(str(exc))
        code = payload.get("warehouse")
        warehouse = (
            self.env["stock.warehouse"].search(
                [("code", "=", code), ("company_id", "in", self.env.user.company_ids.ids)], limit=1
            )
            if isinstance(code, str)
            else self.env["stock.warehouse"]
        )
        if not warehouse:
            raise UserError(
                _("Unknown warehouse %r: give the warehouse's short name (code).", code)
            )
        backend_id = payload.get("backend_id")
        if backend_id is not None and (
            not isinstance(backend_id, int) or isinstance(backend_id, bool)
        ):
            raise UserError(_("'backend_id' must be the backend's id (a number)."))
        header = list(snapshot_file.FIELDS)
        table = [
            ["" if line.get(name) is None else str(line.get(name)) for name in header]
            for line in lines
        ]
        try:
            rows = table and snapshot_file.rows_from_table(
                header, table, {name: name for name in header}, bool(payload.get("sum_duplicates"))
            )
        except snapshot_file.SnapshotError as exc:
            raise UserError(str(exc))
        run = self.create(
            {
                "as_of": as_of,
                "warehouse_id": warehouse.id,
                "company_id": warehouse.company_id.id,
                "backend_id": backend_id or False,
                "full_snapshot": payload.get("full_snapshot", True) is not False,
            }
        )
        run._load_snapshot(rows, "api")
        if rows:
            run.action_compare()
        else:  # a system that holds nothing: everything Odoo has is missing there
            run._compare()
        return run

    def _api_summary(self):
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "as_of": fields.Datetime.to_string(self.as_of),
            "warehouse": self.warehouse_id.code,
            "accuracy": self.accuracy,
            "variance_value": self.variance_value,
            "keys": self.key_count,
            "counts": {code: self[f"count_{code}"] for code, _label in cmp.CLASSES},
            "anomalies": self.anomaly_count,
        }

    # ------------------------------------------------------------------
    # Navigation
    # ------------------------------------------------------------------
    def action_import_snapshot(self):
        """The import wizard, for a new run."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Snapshot"),
            "res_model": "stock.sync.reconciliation.import",
            "view_mode": "form",
            "target": "new",
        }

    def action_open_import(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Snapshot"),
            "res_model": "stock.sync.reconciliation.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_reconciliation_id": self.id},
        }

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_sync_reconciliation.action_stock_sync_reconciliation_line"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {"search_default_filter_differences": 1}
        return action

    def action_open_moves(self):
        """What the run changed: its inventory adjustments' move lines."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.stock_move_line_action")
        action["domain"] = [("move_id.reconciliation_id", "=", self.id)]
        action["context"] = {"create": False}
        action["display_name"] = _("Changes of %s", self.name)
        return action
