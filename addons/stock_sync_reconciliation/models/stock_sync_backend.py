import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

CADENCES = {"hourly": (1, "hours"), "daily": (1, "days"), "weekly": (1, "weeks")}


class StockSyncBackend(models.Model):
    """A backend's scheduled reconciliation: pull its snapshot, compare, flag.

    A protocol module implements ``_<kind>_fetch_snapshot(cursor, limit)`` ->
    ``(lines, next cursor)``: lines are dicts with sku, location, lot, status,
    quantity, unit (as a file's columns); the next cursor is None after the
    last page.
    """

    _inherit = "stock.sync.backend"

    recon_cadence = fields.Selection(
        [
            ("none", "Never"),
            ("hourly", "Every hour"),
            ("daily", "Every day"),
            ("weekly", "Every week"),
        ],
        "Reconcile",
        default="none",
        required=True,
        tracking=True,
        help="Pull the system's stock snapshot and compare it with Odoo's at this cadence: "
        "daily for bulk material, more often for critical material.",
    )
    recon_warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Reconciled Warehouse",
        check_company=True,
        help="The warehouse the scheduled reconciliation compares. Empty: the backend's first.",
    )
    recon_page_size = fields.Integer("Snapshot Page Size", default=1000)
    recon_cron_id = fields.Many2one("ir.cron", "Reconciliation Action", readonly=True, copy=False)
    reconciliation_ids = fields.One2many("stock.sync.reconciliation", "backend_id")

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._sync_recon_cron()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if {"recon_cadence", "active", "name"} & set(vals):
            self._sync_recon_cron()
        return result

    def unlink(self):
        crons = self.recon_cron_id
        result = super().unlink()
        # sudo: scheduled actions are administrator records.
        crons.sudo().unlink()
        return result

    def _sync_recon_cron(self):
        """One scheduled action per backend with a cadence, active while it has one."""
        for backend in self:
            backend._sync_scheduled_action(
                "recon_cron_id",
                _("Inventory Sync: reconcile %s", backend.name),
                "_cron_reconcile",
                active=backend.active and backend.recon_cadence != "none",
                interval=CADENCES.get(backend.recon_cadence, (1, "days")),
            )

    @api.model
    def _cron_reconcile(self, backend_id):
        backend = self.browse(backend_id).exists()
        if backend and backend.active and backend.recon_cadence != "none":
            backend._reconcile()

    def _fetch_snapshot(self, max_pages=1000):
        """Every page of the system's snapshot: a list of line dicts."""
        self.ensure_one()
        lines, cursor = [], None
        for _page in range(max_pages):
            page, cursor = self._kind_call("fetch_snapshot", cursor, self.recon_page_size)
            lines.extend(page)
            if not cursor:
                return lines
        raise UserError(
            _(
                "The snapshot of %(backend)s has more than %(pages)s pages.",
                backend=self.name,
                pages=max_pages,
            )
        )

    def _reconcile(self):
        """Pull the snapshot, compare it, and return the run (None if the pull failed)."""
        self.ensure_one()
        as_of = fields.Datetime.now()
        warehouse = (
            self.recon_warehouse_id
            or self.warehouse_ids[:1]
            or self.env["stock.warehouse"].search(
                [("company_id", "=", self.company_id.id)], limit=1
            )
        )
        try:
            lines = self._fetch_snapshot()
            with self.env.cr.savepoint():
                run = self.env["stock.sync.reconciliation"]._create_from_payload(
                    {
                        "as_of": as_of.isoformat(),
                        "warehouse": warehouse.code,
                        "backend_id": self.id,
                        "lines": lines,
                        "sum_duplicates": True,
                    },
                    allow_empty=True,
                )
        except UserError as exc:
            _logger.warning(
                "Inventory Sync: scheduled reconciliation of %s failed: %s", self.name, exc
            )
            self.message_post(body=_("The scheduled reconciliation failed: %s", exc))
            return None
        self.message_post(
            body=_(
                "Reconciliation %(run)s: accuracy %(accuracy)s %%, %(n)s differences.",
                run=run.name,
                accuracy=run.accuracy,
                n=run.difference_count,
            )
        )
        return run

    def action_reconcile_now(self):
        """Pull the snapshot now and open the run."""
        self.ensure_one()
        run = self._reconcile()
        if not run:
            raise UserError(_("The snapshot could not be pulled: see the backend's messages."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.sync.reconciliation",
            "res_id": run.id,
            "view_mode": "form",
        }
