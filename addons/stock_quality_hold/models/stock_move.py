from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

RECEIPT_REASON = "stock_quality_hold.reason_inspection_on_receipt"
RECEIPT_REASON_CODE = "inspection_on_receipt"


class StockMove(models.Model):
    _inherit = "stock.move"

    def _quality_receipt_bucket(self):
        """The QA hold bucket this move must deliver into, or an empty recordset.

        A move is inspected on receipt when all of these hold:

        * it belongs to a receipt operation (``picking_type_id.code == "incoming"``),
          that is the first step of a one-, two- or three-step receipt;
        * it comes from a vendor or a customer (``location_id.usage`` ``supplier``
          or ``customer``): stock that enters the company, not stock moving
          between its own warehouses through transit;
        * it enters a warehouse (``location_dest_id.warehouse_id``) that has a QA
          hold bucket;
        * its product requires inspection
          (``product.product._quality_inspect_on_receipt``).

        Glue modules extend this (for example, a receipt that triggers an inspection).

        :returns: ``stock.location`` (the warehouse's QA hold bucket) or empty.
        """
        self.ensure_one()
        none = self.env["stock.location"]
        if self.picking_type_id.code != "incoming" or self.scrapped:
            return none
        if self.location_id.usage not in ("supplier", "customer"):
            return none
        destination = self.location_dest_id
        if destination.quality_bucket or not destination.warehouse_id:
            return none
        if not self.product_id.is_storable or not self.product_id._quality_inspect_on_receipt():
            return none
        return destination.warehouse_id.qa_hold_location_id

    def _action_done(self, cancel_backorder=False):
        """Receipts of products inspected on receipt deliver into QA hold.

        The destination of the move and of its move lines becomes the
        warehouse's QA hold bucket *before* the move is done: the received
        stock is never in the warehouse's tree, not for a moment, so nothing
        reserves or promises it. The done move line (vendor → QA hold) is the
        receipt itself, so the ledger stays one move per movement. No push rule
        leaves a bucket, so the later steps of a two- or three-step receipt are
        not created for these quantities: releasing them puts them in stock.

        Any move that takes stock from an internal location is first checked not to
        take held stock (``_quality_check_taken_stock``).
        """
        buckets = {}
        for move in self:
            if move.state in ("done", "cancel"):
                continue
            bucket = move._quality_receipt_bucket()
            if bucket:
                buckets[move] = bucket
        if buckets:
            reason = self._quality_receipt_reason()
            for move, bucket in buckets.items():
                warehouse = move.warehouse_id
                move.location_dest_id = bucket
                # stock.move.write() sets the warehouse from the new destination,
                # which lies outside the warehouse's tree: keep the receipt's own.
                move.warehouse_id = warehouse
                move.move_line_ids.location_dest_id = bucket
        self._quality_check_taken_stock()
        done = super()._action_done(cancel_backorder=cancel_backorder)
        if buckets:
            received = done.filtered(lambda m: m.state == "done" and m in buckets)
            received._quality_record_receipt_hold(reason)
        return done

    def _quality_receipt_reason(self):
        reason = self.env.ref(RECEIPT_REASON, raise_if_not_found=False)
        if not reason:
            reason = (
                self.env["stock.quality.hold.reason"]
                .sudo()
                .with_context(active_test=False)
                .search([("code", "=", RECEIPT_REASON_CODE)], limit=1)
            )
        if not reason:
            raise UserError(
                _(
                    "Products of this receipt must be inspected on receipt, but the hold "
                    "reason with code %(code)s is missing. Ask a quality manager to "
                    "create it under Inventory > Configuration > Quality Hold Reasons, "
                    "then validate again.",
                    code=RECEIPT_REASON_CODE,
                )
            )
        return reason

    def _quality_record_receipt_hold(self, reason):
        """Record the received quantities as held: history, lot status, chatter, hook."""
        vals = []
        now = fields.Datetime.now()
        for move in self:
            bucket = move.location_dest_id
            for line in move.move_line_ids:
                if float_is_zero(
                    line.quantity_product_uom, precision_rounding=line.product_id.uom_id.rounding
                ):
                    continue
                vals.append(
                    {
                        "action": "hold",
                        "bucket": "qa_hold",
                        "date": now,
                        "user_id": self.env.user.id,
                        "reason_id": reason.id,
                        "product_id": line.product_id.id,
                        "lot_id": line.lot_id.id,
                        "quantity": line.quantity_product_uom,
                        "location_id": line.location_id.id,
                        "location_dest_id": bucket.id,
                        "warehouse_id": bucket.quality_warehouse_id.id,
                        "move_id": move.id,
                        "company_id": move.company_id.id,
                    }
                )
        # sudo: the history is written by the actions only, never by users directly.
        histories = self.env["stock.quality.hold.history"].sudo().create(vals).sudo(False)
        lots = histories.lot_id
        lots._update_quality_status()
        lots._quality_post(histories)
        histories._quality_recorded()
        return histories

    # ------------------------------------------------------------------
    # The quality actions' own moves (stock.quant._quality_execute)
    # ------------------------------------------------------------------
    def _should_bypass_reservation(self, forced_location=False):
        """The quality actions' moves take their quant without reserving it.

        ``stock.quant._quality_plan`` checks each quant's free quantity under a
        row lock, and the move line names the quant (lot, package, owner):
        reserving it when the line is created only to unreserve it when the
        move is done, a moment later, would cost two quant updates per line.
        """
        return super()._should_bypass_reservation(forced_location) or bool(
            self.env.context.get("quality_hold_move")
        )

    def _skip_push(self):
        """No push rule after a quality action: the stock enters a bucket (no rule
        leaves one), or goes back to the stock location it came from, not into
        the warehouse anew. Looking for a rule would cost a search per move."""
        return super()._skip_push() or bool(self.env.context.get("quality_hold_move"))

    def _quality_check_taken_stock(self):
        """Refuse to take a product from a stock location beyond what it holds while
        some of it is held.

        Reservation never offers held stock: the hold buckets lie outside the
        warehouse (see ``stock.warehouse``). But Odoo lets a user type a lot on
        a delivery or component line, or take more than is reserved, and then
        takes it from WH/Stock even where that location does not have it
        (negative stock): the held lot, or the held units of an untracked
        product, would be shipped or consumed in all but the books. When a
        product (and lot) has stock in a hold bucket of the company, the
        quantity taken from an internal location must be there. Moves out of a
        bucket (release, reject, disposal) are not concerned.

        :raises UserError: naming the product, the lot, what is held where,
            and what to do (release it, or choose another lot).
        """
        lines = self.move_line_ids.filtered(
            lambda line: (
                line.quantity
                and line.product_id.is_storable
                and line.location_id.usage == "internal"
                and not line.location_id.quality_bucket
            )
        )
        if not lines:
            return
        # sudo: quants of the hold buckets may lie outside what the user taking
        # the stock may read (a delivery user is no quality user); only counted here.
        held = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("product_id", "in", lines.product_id.ids),
                    ("quality_bucket", "!=", False),
                    ("quantity", ">", 0),
                    ("company_id", "in", lines.company_id.ids),
                ]
            )
        )
        if not held:
            return
        held_keys = {(q.company_id.id, q.product_id.id, q.lot_id.id) for q in held}
        wanted = defaultdict(float)
        for line in lines:
            key = (line.company_id.id, line.product_id.id, line.lot_id.id)
            if key in held_keys:
                quantity = line.product_uom_id._compute_quantity(
                    line.quantity, line.product_id.uom_id, rounding_method="HALF-UP"
                )
                wanted[key + (line.location_id.id,)] += quantity
        for (company_id, product_id, lot_id, location_id), quantity in wanted.items():
            on_hand = sum(
                self.env["stock.quant"]
                .sudo()  # the same reason: counting what the location holds
                .search(
                    [
                        ("product_id", "=", product_id),
                        ("lot_id", "=", lot_id or False),
                        ("location_id", "=", location_id),
                    ]
                )
                .mapped("quantity")
            )
            product = self.env["product.product"].browse(product_id)
            if float_compare(quantity, on_hand, precision_rounding=product.uom_id.rounding) <= 0:
                continue
            in_buckets = held.filtered(
                lambda q, p=product_id, lot=lot_id, c=company_id: (
                    q.product_id.id == p and q.lot_id.id == lot and q.company_id.id == c
                )
            )
            lot = in_buckets.lot_id
            raise UserError(
                _(
                    "%(product)s%(lot)s cannot be consumed or shipped: %(qty)s %(uom)s are "
                    "taken from %(location)s, which holds %(have)s; the rest is on hold "
                    "(%(held)s). Held stock is never consumed nor shipped: ask a Quality "
                    "Manager to release it, or choose another lot.",
                    product=product.display_name,
                    lot=f" ({lot.name})" if lot else "",
                    qty=f"{quantity:g}",
                    uom=product.uom_id.name,
                    location=self.env["stock.location"].browse(location_id).complete_name,
                    have=f"{max(on_hand, 0):g}",
                    held=", ".join(
                        f"{q.quantity:g} in {q.location_id.complete_name}" for q in in_buckets
                    ),
                )
            )
