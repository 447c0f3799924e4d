import base64
import binascii
import logging

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import snapshot_file

_logger = logging.getLogger(__name__)
PREVIEW_ROWS = 10


class StockSyncReconciliationImport(models.TransientModel):
    """Upload a snapshot (CSV, TSV or XLSX), choose its columns, preview, import and compare.

    Thin: reading is ``services/snapshot_file``, storing and mapping is
    ``stock.sync.reconciliation._load_snapshot``, comparing is its
    ``action_compare``.
    """

    _name = "stock.sync.reconciliation.import"
    _description = "Import a Reconciliation Snapshot"

    reconciliation_id = fields.Many2one("stock.sync.reconciliation", "Run")
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    backend_id = fields.Many2one("stock.sync.backend", domain="[('company_id', '=', company_id)]")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        domain="[('company_id', '=', company_id)]",
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    as_of = fields.Datetime(default=fields.Datetime.now)
    full_snapshot = fields.Boolean(default=True)
    file = fields.Binary()
    file_name = fields.Char()
    sum_duplicates = fields.Boolean(
        "Sum Duplicate Lines",
        help="Rows with the same SKU, location, lot and status are added up "
        "(partial counts) instead of refused.",
    )
    columns = fields.Char("Columns in the File", readonly=True)
    col_sku = fields.Char("SKU Column")
    col_location = fields.Char("Location Column")
    col_lot = fields.Char("Lot Column")
    col_status = fields.Char("Status Column")
    col_quantity = fields.Char("Quantity Column")
    col_unit = fields.Char("Unit Column")
    preview = fields.Html(readonly=True, sanitize=True)

    def _content(self):
        try:
            return base64.b64decode(self.file or b"")
        except (binascii.Error, ValueError):
            raise UserError(_("The file could not be read: upload it again."))

    def _mapping(self):
        return {name: getattr(self, f"col_{name}") or None for name in snapshot_file.FIELDS}

    @api.onchange("file")
    def _onchange_file(self):
        if not self.file:
            return
        try:
            header, rows = snapshot_file.read_table(self._content(), self.file_name or "")
        except snapshot_file.SnapshotError as exc:
            self.columns = False
            self.preview = Markup("<p class='text-danger'>%s</p>") % str(exc)
            return
        self.columns = ", ".join(header)
        for name, column in snapshot_file.guess_mapping(header).items():
            setattr(self, f"col_{name}", column)
        self._fill_preview(header, rows)

    @api.onchange(
        "col_sku",
        "col_location",
        "col_lot",
        "col_status",
        "col_quantity",
        "col_unit",
        "sum_duplicates",
    )
    def _onchange_mapping(self):
        if not self.file:
            return
        try:
            header, rows = snapshot_file.read_table(self._content(), self.file_name or "")
        except snapshot_file.SnapshotError:
            return
        self._fill_preview(header, rows)

    def _fill_preview(self, header, rows):
        try:
            lines = snapshot_file.rows_from_table(
                header, rows[:PREVIEW_ROWS], self._mapping(), self.sum_duplicates
            )
        except snapshot_file.SnapshotError as exc:
            self.preview = Markup("<p class='text-danger'>%s</p>") % str(exc)
            return
        head = Markup("").join(
            Markup("<th>%s</th>") % label
            for label in (
                _("Row"),
                _("SKU"),
                _("Location"),
                _("Lot"),
                _("Status"),
                _("Quantity"),
                _("Unit"),
            )
        )
        body = Markup("").join(
            Markup("<tr>%s</tr>")
            % Markup("").join(
                Markup("<td>%s</td>") % escape(value)
                for value in (
                    line.row,
                    line.sku,
                    line.location,
                    line.lot,
                    line.status,
                    f"{line.quantity:g}",
                    line.unit,
                )
            )
            for line in lines
        )
        self.preview = Markup(
            "<p>%s</p><table class='table table-sm o_recon_preview'><thead><tr>%s</tr></thead>"
            "<tbody>%s</tbody></table>"
        ) % (
            _("%s data rows in the file; the first ones as they will be read:", len(rows)),
            head,
            body,
        )

    def action_import(self):
        """Read the whole file with the chosen columns, store it in the run, compare."""
        self.ensure_one()
        content = self._content()
        mapping = self._mapping()
        try:
            header, rows = snapshot_file.read_table(content, self.file_name or "")
            if not any(mapping.values()):
                mapping = snapshot_file.guess_mapping(header)
            lines = snapshot_file.rows_from_table(header, rows, mapping, self.sum_duplicates)
        except snapshot_file.SnapshotError as exc:
            _logger.info(
                "Inventory Sync reconciliation: snapshot %s refused: %s", self.file_name, exc
            )
            raise UserError(
                _("%(file)s: %(error)s", file=self.file_name or _("The file"), error=exc)
            )
        run = self.reconciliation_id
        if not run:
            run = self.env["stock.sync.reconciliation"].create(
                {
                    "company_id": self.company_id.id,
                    "backend_id": self.backend_id.id,
                    "warehouse_id": self.warehouse_id.id,
                    "as_of": self.as_of,
                    "full_snapshot": self.full_snapshot,
                }
            )
        run._load_snapshot(lines, self.file_name)
        run.action_compare()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.sync.reconciliation",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
