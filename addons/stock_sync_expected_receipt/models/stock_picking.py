import json

from odoo import fields, models
from odoo.tools import float_round

from odoo.addons.stock_sync.models.stock_sync_event import iso_time
from odoo.addons.stock_sync.services.event_draft import EventDraft

EVENT_TYPE = "odoo.stock_sync.expected_receipt.v1"
PENDING_KEY = "stock_sync_expected_receipt.pickings"


class StockPicking(models.Model):
    _inherit = "stock.picking"

    stock_sync_expected = fields.Json(
        "Expected Receipt Sent",
        copy=False,
        readonly=True,
        help="What the last expected-receipt events said, per product: "
        '{"<product id>": [quantity, scheduled date]}.',
    )

    def _stock_sync_expected_mark(self):
        """Note these receipts: their expected-receipt events are written before commit.

        Costs a set update per call in the user's transaction; the receipts are
        read and compared once, at the end of the transaction (a receipt
        confirmed, then reserved, then edited sends one event per product that
        changed). No network, no lock.
        """
        ids = {
            picking.id for picking in self if picking.id and picking.picking_type_code == "incoming"
        }
        if not ids:
            return
        data = self.env.cr.precommit.data
        pending = data.get(PENDING_KEY)
        if pending is None:
            pending = data[PENDING_KEY] = set()
            self.env.cr.precommit.add(self._stock_sync_expected_flush)
        pending |= ids

    def _stock_sync_expected_flush(self):
        """Emit what changed on the noted receipts since their last events (precommit)."""
        ids = self.env.cr.precommit.data.pop(PENDING_KEY, None)
        if not ids:
            return
        # sudo: the event describes the receipt whatever the acting user may read
        # (its partner, its company), as the outbox's capture does.
        Event = self.env["stock.sync.event"].sudo()
        if not Event._capture_enabled():
            return
        pickings = self.sudo().with_context(active_test=False).browse(sorted(ids)).exists()
        drafts, snapshots = [], {}
        now = fields.Datetime.now()
        for picking in pickings:
            picking_drafts, snapshot = picking._stock_sync_expected_drafts(now)
            if picking_drafts:
                drafts += picking_drafts
                snapshots[picking.id] = snapshot
        if not drafts:
            return
        Event.emit(EVENT_TYPE, drafts)
        # SQL: the ORM's pending writes were flushed before the precommit hooks run.
        for picking_id, snapshot in snapshots.items():
            self.env.cr.execute(
                "UPDATE stock_picking SET stock_sync_expected = %s WHERE id = %s",
                (json.dumps(snapshot), picking_id),
            )
        pickings.invalidate_recordset(["stock_sync_expected"])

    def _stock_sync_expected_now(self):
        """{product: (quantity in its unit, date)} still expected on this receipt."""
        self.ensure_one()
        expected = {}
        if self.state in ("draft", "done", "cancel"):
            return expected
        for move in self.move_ids:
            if move.state in ("draft", "cancel", "done"):
                continue
            quantity, date = expected.get(move.product_id, (0.0, move.date))
            expected[move.product_id] = (quantity + move.product_qty, min(date, move.date))
        return expected

    def _stock_sync_expected_drafts(self, now):
        """The event drafts of what changed since the last events, and the new snapshot."""
        self.ensure_one()
        previous = self.stock_sync_expected or {}
        current = {}
        for product, (quantity, date) in self._stock_sync_expected_now().items():
            rounding = product.uom_id.rounding
            current[str(product.id)] = [
                float_round(quantity, precision_rounding=rounding),
                iso_time(date),
            ]
        gone = "closed" if self.state == "done" else "cancelled"
        drafts = []
        Product = self.env["product.product"].with_context(active_test=False)
        for key in sorted(set(previous) | set(current), key=int):
            old, new = previous.get(key), current.get(key)
            if old == new:
                continue
            product = Product.browse(int(key)).exists()
            if not product:
                continue
            if new is None:
                action, quantity, date = gone, 0.0, old[1]
            else:
                action, (quantity, date) = ("confirmed" if old is None else "changed"), new
            drafts.append(
                self._stock_sync_expected_draft(product, action, quantity, old, date, now)
            )
        return drafts, current

    def _stock_sync_expected_draft(self, product, action, quantity, old, date, now):
        destination = self.location_dest_id
        warehouse = destination.warehouse_id or self.picking_type_id.warehouse_id
        partner = self.partner_id
        return EventDraft(
            company=self.company_id,
            product=product,
            occurred_at=now,
            operation="expected_receipt",
            reference=self.name,
            location_to=destination,
            data={
                "action": action,
                "picking": {
                    "id": self.id,
                    "name": self.name,
                    "origin": self.origin or None,
                    "state": self.state,
                },
                "product": {
                    "id": product.id,
                    "default_code": product.default_code or None,
                    "barcode": product.barcode or None,
                    "name": product.name,
                },
                "quantity": quantity,
                "previous_quantity": old[0] if old else None,
                "uom": product.uom_id.name,
                "scheduled_date": date,
                "partner": {
                    "id": partner.id,
                    "name": partner.name or "",
                    "ref": partner.ref or None,
                }
                if partner
                else None,
                "location_to": {
                    "id": destination.id,
                    "name": destination.complete_name,
                    "usage": destination.usage,
                },
                "warehouse": {"id": warehouse.id, "code": warehouse.code} if warehouse else None,
                "company": {"id": self.company_id.id, "name": self.company_id.name},
                "occurred_at": iso_time(now),
                "recorded_at": iso_time(now),
            },
        )
