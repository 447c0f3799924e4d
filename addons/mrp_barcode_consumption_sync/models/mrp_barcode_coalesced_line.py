# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.tools import float_round

from odoo.addons.mrp_barcode_consumption.models.mrp_production import SCAN_CONTEXT_KEY
from odoo.addons.stock_sync.models.stock_move_line import PAYLOAD_LANG
from odoo.addons.stock_sync.models.stock_sync_event import MOVEMENT_TYPE, iso_time
from odoo.addons.stock_sync.services.event_draft import EventDraft

_logger = logging.getLogger(__name__)


class MrpBarcodeCoalescedLine(models.Model):
    """A done move line of a scan whose movement event is coalesced with others.

    When a company or work center sets a scan event window, a scan's done move
    lines are posted to stock at once but not announced at once: each gets a
    row here, in the scan's transaction, and the window of its order,
    component and lot closes ``window`` seconds after its first scan. Closing
    emits one movement event per order, component, lot, locations, package
    and owner (the ledger's own key), whose quantity is the sum of its lines
    as they are then, listing the scan ids it covers; the rows are marked
    closed in the same transaction, so no scan is announced twice or lost.

    A window closes when it is due (cron, triggered for that time), before an
    undo of a scan of its order (the undo's correction then follows the event
    it corrects), and before any other movement of the same product and
    company is captured (per-key order: a subscriber never hears of a later
    movement of the product before these scans).

    Written and read only by the outbox glue (as superuser: the outbox's own
    bookkeeping, like stock_sync's capture); managers may read it.
    """

    _name = "mrp.barcode.coalesced.line"
    _description = "Coalesced Scan Line"
    _order = "id"

    move_line_id = fields.Many2one(
        "stock.move.line", required=True, readonly=True, index=True, ondelete="cascade"
    )
    production_id = fields.Many2one(
        "mrp.production",
        "Manufacturing Order",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    product_id = fields.Many2one("product.product", "Component", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial", readonly=True)
    scan_id = fields.Char("Scan ID", readonly=True)
    device_id = fields.Char(readonly=True)
    due_at = fields.Datetime("Window Closes", required=True, readonly=True)
    closed = fields.Boolean(
        readonly=True, default=False, help="Its movement event was written to the outbox."
    )
    event_id = fields.Many2one(
        "stock.sync.event",
        "Coalesced Event",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    _sql_constraints = [
        ("move_line_uniq", "UNIQUE(move_line_id)", "A move line is coalesced once."),
    ]

    def init(self):
        # The capture of every stock operation asks whether windows of its
        # products are open: an index over the open rows only.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS mrp_barcode_coalesced_line_open_idx
                ON mrp_barcode_coalesced_line (product_id, company_id) WHERE NOT closed
            """
        )

    # ------------------------------------------------------------------
    # Opening: in the scan's capture
    # ------------------------------------------------------------------
    @api.model
    def _window_seconds(self, move):
        """The scan event window for a scan's move, in seconds (0: one event per scan).

        The work center of the component's operation or work order decides if
        it does not defer to the company; else the order's only work center;
        else the company.
        """
        production = move.raw_material_production_id
        workcenter = move.workorder_id.workcenter_id or move.operation_id.workcenter_id
        if not workcenter and len(production.workorder_ids.workcenter_id) == 1:
            workcenter = production.workorder_ids.workcenter_id
        if workcenter and workcenter.scan_coalesce != "company":
            return workcenter.scan_coalesce_seconds if workcenter.scan_coalesce == "window" else 0
        return production.company_id.scan_coalesce_seconds or 0

    @api.model
    def _hold(self, move_lines):
        """The lines among ``move_lines`` whose event waits for a window.

        Lines already waiting (an edit of a waiting line is announced by the
        window's event, with the line as it is when the window closes), and
        the new done lines of a scan under a window, which get their rows here.

        :returns: ``(held stock.move.line, open rows of other lines' products)``;
            the second are the rows the caller closes before capturing the rest.
        """
        products = move_lines.product_id.ids
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT id, move_line_id, product_id, company_id
              FROM mrp_barcode_coalesced_line
             WHERE NOT closed AND (move_line_id = ANY(%s) OR product_id = ANY(%s))
            """,
            (move_lines.ids, products),
        )
        rows = self.env.cr.fetchall()
        waiting_ids = {row[1] for row in rows if row[1] in set(move_lines.ids)}
        held = move_lines.browse(sorted(waiting_ids))
        new = self._open_windows(move_lines - held)
        held |= new
        rest_keys = {(line.product_id.id, line.company_id.id) for line in move_lines - held}
        before = self.browse(
            row[0] for row in rows if row[1] not in waiting_ids and (row[2], row[3]) in rest_keys
        )
        return held, before

    @api.model
    def _open_windows(self, move_lines):
        """Rows for the new done lines of the scan in the context, if a window applies."""
        scan = self.env.context.get(SCAN_CONTEXT_KEY)
        if not scan or scan.get("action") != "consume" or not move_lines:
            return move_lines.browse()
        production_id = scan["production"]["id"]
        lines = move_lines.filtered(
            lambda line: (
                line.state == "done" and line.move_id.raw_material_production_id.id == production_id
            )
        )
        if not lines:
            return lines
        seconds = self._window_seconds(lines[0].move_id)
        if seconds <= 0:
            return lines.browse()
        now = fields.Datetime.now()
        vals, opened = [], []
        for line in lines:
            self.env.cr.execute(
                """
                SELECT MIN(due_at) FROM mrp_barcode_coalesced_line
                 WHERE NOT closed AND production_id = %s AND product_id = %s
                   AND company_id = %s AND lot_id IS NOT DISTINCT FROM %s AND due_at > %s
                """,
                (
                    production_id,
                    line.product_id.id,
                    line.company_id.id,
                    line.lot_id.id or None,
                    now,
                ),
            )
            due = self.env.cr.fetchone()[0]
            if not due:
                due = now + timedelta(seconds=seconds)
                opened.append(due)
            vals.append(
                {
                    "move_line_id": line.id,
                    "production_id": production_id,
                    "product_id": line.product_id.id,
                    "company_id": line.company_id.id,
                    "lot_id": line.lot_id.id,
                    "scan_id": scan.get("scan_id"),
                    "device_id": str(scan["device_id"]) if scan.get("device_id") else False,
                    "due_at": due,
                }
            )
        self.sudo().create(vals)  # sudo: see the class docstring
        if opened:
            cron = self.env.ref(
                "mrp_barcode_consumption_sync.ir_cron_close_scan_windows", raise_if_not_found=False
            )
            if cron:
                cron.sudo()._trigger(at=min(opened))
        return lines

    # ------------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------------
    @api.model
    def _close_due(self, until=None):
        """Close the windows due by ``until`` (default: the database clock now).

        :param datetime until: naive UTC; rows another transaction is closing
            are skipped (it announces them).
        :returns: the ``stock.sync.event`` records written.
        """
        self.flush_model()
        if until is None:
            self.env.cr.execute("SELECT (now() AT TIME ZONE 'UTC')")
            until = self.env.cr.fetchone()[0]
        self.env.cr.execute(
            """
            SELECT id FROM mrp_barcode_coalesced_line
             WHERE NOT closed AND due_at <= %s
             ORDER BY id
               FOR UPDATE SKIP LOCKED
            """,
            (until,),
        )
        return self.sudo().browse([row[0] for row in self.env.cr.fetchall()])._close()

    @api.model
    def _cron_close_due(self):
        """Cron: announce the scans of the windows that are due."""
        events = self._close_due()
        if events:
            _logger.info("scan windows closed: %d coalesced movement events", len(events))

    def _close_now(self):
        """Close the windows of these rows now, in this transaction, if still open.

        Rows another transaction is closing are skipped; if it committed after
        this transaction's snapshot began, they are closed already (the
        serialization failure says so, and is kept inside a savepoint).
        """
        if not self:
            return self.env["stock.sync.event"]
        self.flush_model()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    SELECT id FROM mrp_barcode_coalesced_line
                     WHERE id = ANY(%s) AND NOT closed
                     ORDER BY id
                       FOR UPDATE SKIP LOCKED
                    """,
                    (self.ids,),
                )
                ids = [row[0] for row in self.env.cr.fetchall()]
        except pg_errors.SerializationFailure:
            return self.env["stock.sync.event"]
        return self.sudo().browse(ids)._close()

    def _close(self):
        """One movement event per group of these rows' lines, as the lines are now.

        The group is the ledger's key (product, locations, lot, package,
        result package, owner) within one order: replaying the events still
        gives the done move lines exactly. Rows are marked closed with their
        event.
        """
        Event = self.env["stock.sync.event"].sudo()
        rows = self.filtered(lambda row: not row.closed)
        if not rows:
            return Event
        if not Event._capture_enabled():
            # Capture is paused: nothing is announced, as for any other movement.
            rows.write({"closed": True})
            return Event
        groups = defaultdict(lambda: self.browse())
        for row in rows:
            line = row.move_line_id
            key = (
                row.production_id.id,
                line.product_id.id,
                line.company_id.id,
                line.location_id.id,
                line.location_dest_id.id,
                line.lot_id.id,
                line.package_id.id,
                line.result_package_id.id,
                line.owner_id.id,
            )
            groups[key] |= row
        now = fields.Datetime.now()
        recorded_at = iso_time(now)
        drafts = []
        for group in groups.values():
            group_lines = group.move_line_id.with_context(lang=PAYLOAD_LANG).sorted("id")
            first = group_lines[0]
            product = first.product_id
            data = first._stock_sync_event_data(recorded_at)
            quantity = float_round(
                sum(group_lines.mapped("quantity_product_uom")),
                precision_rounding=product.uom_id.rounding,
            )
            dates = group_lines.mapped("date")
            devices = sorted({row.device_id for row in group if row.device_id})
            production = group[0].production_id
            data.update(
                quantity=quantity,
                move_quantity=quantity,
                move_uom=data["uom"],
                occurred_at=iso_time(max(dates)),
            )
            data["scan"] = {
                "scan_id": None,
                "device_id": devices[0] if len(devices) == 1 else None,
                "action": "consume",
                "undoes": None,
                "production": {"id": production.id, "name": production.name},
                "coalesced": {
                    "scan_ids": [row.scan_id or None for row in group.sorted("id")],
                    "devices": devices,
                    "move_line_ids": group_lines.ids,
                    "first_at": iso_time(min(dates)),
                    "last_at": iso_time(max(dates)),
                },
            }
            drafts.append(
                EventDraft(
                    company=first.company_id,
                    product=product,
                    occurred_at=max(dates),
                    data=data,
                    operation=data["operation"],
                    reference=data["reference"],
                    lot=first.lot_id,
                    location_from=first.location_id,
                    location_to=first.location_dest_id,
                    move_line=first,
                )
            )
        events = Event.emit(MOVEMENT_TYPE, drafts)
        for event, group in zip(events, groups.values(), strict=True):
            group.write({"closed": True, "event_id": event.id})
        return events
