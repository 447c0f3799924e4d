from contextlib import contextmanager

from odoo import api, models

from .stock_sync_event import iso_time

# Locations where Odoo keeps meaningful on-hand quantities.
STOCK_USAGES = ("internal", "transit")

# Payload text (product, unit and location names) is written in one language,
# whoever validates: receivers must not see names change with the user's.
PAYLOAD_LANG = "en_US"

# The context key under which stock.move._action_done defers the capture of
# lines it is about to capture with their final state (see StockSyncDeferral).
DEFERRAL_KEY = "stock_sync_deferral"


def _ref(record, **extra):
    if not record:
        return None
    return {"id": record.id, "name": record.display_name, **extra}


# Fields of a done move line whose edition moves stock again. ``quant_id`` is
# not stored: core expands it into lot, location, package and owner.
CORRECTION_FIELDS = frozenset(
    {
        "quantity",
        "product_uom_id",
        "location_id",
        "location_dest_id",
        "lot_id",
        "package_id",
        "result_package_id",
        "owner_id",
        "quant_id",
    }
)


class StockSyncDeferral:
    """Done lines whose capture waits for the end of an operation.

    Core edits lines it has just made done before ``stock.move._action_done``
    returns (a "no step added" push rule moves them to the rule's
    destination), and may create done lines on the way. Those lines are
    captured once, with their final state, when the moves are captured; lines
    of other moves that were touched meanwhile are emitted when the deferral
    closes. :func:`capture_batch` opens one around a whole operation (a
    manufacturing order's components and products): everything it moves is
    then captured in one go, one set of statements instead of one per step.

    ``lines`` maps a line id to its state before the first edit (what a
    receiver must undo), or to ``None`` for a line created or made done.
    """

    __slots__ = ("lines", "open")

    def __init__(self):
        self.lines = {}
        self.open = True

    def add(self, line_ids, before=None):
        for line_id in line_ids:
            self.lines.setdefault(line_id, before[line_id] if before is not None else None)

    @staticmethod
    def of(env):
        deferral = env.context.get(DEFERRAL_KEY)
        return deferral if deferral is not None and deferral.open else None


@contextmanager
def capture_batch(records):
    """Capture what an operation on ``records`` moves once, when it ends.

    Yields ``records`` in a context that defers the capture of every done
    line they create, finish or correct; on a normal exit the lines are
    captured in one call (one insert of their events), in the order they were
    done. Nested batches hand their lines
    to the outermost one. On an exception nothing is captured (the caller's
    transaction is rolled back anyway)::

        with capture_batch(self) as productions:
            return super(MrpProduction, productions)._post_inventory(...)
    """
    deferral = StockSyncDeferral()
    try:
        yield records.with_context(**{DEFERRAL_KEY: deferral})
        records.env["stock.move.line"]._stock_sync_flush_deferral(deferral, ())
    finally:
        deferral.open = False


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # A line created on a done move (a done picking or manufacturing order
        # edited afterwards, a quantity raised on a done move) moved stock in
        # core's create: capture it like a line done by _action_done.
        done = lines.filtered(lambda line: line.state == "done")
        if done:
            deferral = StockSyncDeferral.of(self.env)
            if deferral:
                deferral.add(done.ids)
            else:
                done._stock_sync_capture()
        return lines

    def write(self, vals):
        done = (
            self.filtered(lambda ml: ml.state == "done")
            if not CORRECTION_FIELDS.isdisjoint(vals)
            else self.browse()
        )
        if not done:
            return super().write(vals)
        done = done.with_context(lang=PAYLOAD_LANG)
        before = {line.id: line._stock_sync_snapshot() for line in done}
        result = super().write(vals)
        # After core's own post-processing (quant_id expanded into lot,
        # location, package and owner; quants moved again).
        changed = done.filtered(lambda line: line._stock_sync_snapshot() != before[line.id])
        if changed:
            deferral = StockSyncDeferral.of(self.env)
            if deferral:
                deferral.add(changed.ids, before)
            else:
                changed._stock_sync_capture(corrected=before)
        return result

    def _stock_sync_capture(self, corrected=None):
        """Capture these done lines, in the payload language.

        ``corrected`` maps the ids of lines that were done before and edited
        to their state before the edit: those become corrections.
        """
        if not self:
            return self.env["stock.sync.event"]
        return self.env["stock.sync.event"]._capture_move_lines(
            self.with_context(lang=PAYLOAD_LANG), corrected=corrected
        )

    @api.model
    def _stock_sync_flush_deferral(self, deferral, captured_ids):
        """Close ``deferral``: what ``captured_ids`` does not cover is emitted now.

        A line created or made done is captured as it is now; a corrected line
        gets its correction, unless it is back where it was; all in one
        capture. Inside an enclosing deferral, the rest is handed to it instead.
        """
        deferral.open = False
        pending = {
            line_id: before
            for line_id, before in deferral.lines.items()
            if line_id not in captured_ids
        }
        if not pending:
            return
        outer = StockSyncDeferral.of(self.env)
        if outer:
            for line_id, before in pending.items():
                outer.lines.setdefault(line_id, before)
            return
        lines = self.browse(list(pending)).exists().with_context(lang=PAYLOAD_LANG)
        lines = lines.filtered(
            lambda line: (
                line.state == "done"
                and (pending[line.id] is None or line._stock_sync_snapshot() != pending[line.id])
            )
        )
        lines._stock_sync_capture(
            corrected={line.id: pending[line.id] for line in lines if pending[line.id] is not None}
        )

    def _stock_sync_snapshot(self):
        """What a receiver must undo when a done line is corrected."""
        self.ensure_one()
        return {
            "quantity": self.quantity_product_uom,
            "location_from": {"id": self.location_id.id, "name": self.location_id.complete_name},
            "location_to": {
                "id": self.location_dest_id.id,
                "name": self.location_dest_id.complete_name,
            },
            "lot": _ref(self.lot_id),
            "package": _ref(self.package_id),
            "result_package": _ref(self.result_package_id),
            "owner": _ref(self.owner_id),
        }

    def _stock_sync_location(self, location, shared=None):
        """The block of ``location`` in a movement event; built once per
        ``shared`` dict (see ``_stock_sync_event_data``), a copy each time."""
        key = ("location", location.id)
        if shared is not None and key in shared:
            return dict(shared[key])
        warehouse = location.warehouse_id
        block = {
            "id": location.id,
            "name": location.complete_name,
            "usage": location.usage,
            "barcode": location.barcode or None,
            "warehouse": {"id": warehouse.id, "code": warehouse.code} if warehouse else None,
            # Given as the event is numbered, in commit order (stock.sync.on.hand):
            # this transaction does not see a concurrent one that commits first.
            "on_hand": None,
        }
        if shared is None:
            return block
        shared[key] = block
        return dict(block)

    def _stock_sync_event_data(self, recorded_at, shared=None):
        """The self-contained ``data`` of a movement event (schema movement.v1).

        :param str recorded_at: when the capture runs (RFC 3339, UTC).
        :param dict shared: None, or a dict the caller keeps for the lines of
            one capture: blocks several lines name (their locations) are then
            built once; overrides pass it on to ``super()``.
        """
        self.ensure_one()
        move, product = self.move_id, self.product_id
        picking = self.picking_id
        return {
            "operation": move._stock_sync_operation(),
            "reference": self.reference or move.reference or picking.name or None,
            "origin": move.origin or None,
            "move_id": move.id,
            "move_line_id": self.id,
            "picking": _ref(picking, type=picking.picking_type_id.code) if picking else None,
            "product": {
                "id": product.id,
                "default_code": product.default_code or None,
                "barcode": product.barcode or None,
                "name": product.name,
                "category": product.categ_id.complete_name,
                "uom": product.uom_id.name,
            },
            "lot": _ref(self.lot_id),
            "package": _ref(self.package_id),
            "result_package": _ref(self.result_package_id),
            "owner": _ref(self.owner_id),
            "quantity": self.quantity_product_uom,
            "uom": product.uom_id.name,
            "move_quantity": self.quantity,
            "move_uom": self.product_uom_id.name,
            "location_from": self._stock_sync_location(self.location_id, shared),
            "location_to": self._stock_sync_location(self.location_dest_id, shared),
            "company": {"id": self.company_id.id, "name": self.company_id.name},
            "occurred_at": iso_time(self.date),
            "recorded_at": recorded_at,
            **self._stock_sync_event_extensions(),
        }

    def _stock_sync_event_extensions(self):
        """Extra top-level blocks for this line's movement event: ``{name: dict}``.

        The hook for glue modules that add context to movement events without
        rebuilding them (e.g. ``mrp_barcode_consumption_sync`` adds ``scan``:
        which scan, device and order moved the stock). Called inside the
        capture, in the stock transaction, with the capturing environment's
        context. Each block must be declared in ``schemas/movement.v1.json``
        as an optional property; receivers ignore blocks they do not know.
        Override with ``super()`` and add your keys; never replace the core
        keys.
        """
        self.ensure_one()
        return {}
