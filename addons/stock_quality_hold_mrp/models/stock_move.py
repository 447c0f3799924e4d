from collections import defaultdict

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        self.filtered("raw_material_production_id")._quality_check_consumption()
        return super()._action_done(cancel_backorder=cancel_backorder)

    def _quality_check_consumption(self):
        """Refuse to consume a component beyond what its source location holds while
        some of it is held.

        Reservation never offers held stock: the hold buckets lie outside the
        warehouse (see ``stock.warehouse`` in stock_quality_hold). But Odoo
        lets a user type a lot on a component line, or consume more than is
        reserved, and then takes it from WH/Stock even where that location
        does not have it (negative stock): the held lot, or the held units of
        an untracked product, would be consumed in all but the books. When a
        product (and lot) has stock in a hold bucket of the company, the
        quantity consumed from a location must be there.

        :raises UserError: naming the component, the lot, what is held where,
            and what to do (release it, or choose another lot).
        """
        lines = self.move_line_ids.filtered(
            lambda line: line.quantity and line.product_id.is_storable
        )
        if not lines:
            return
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
                .sudo()
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
                    "%(product)s%(lot)s cannot be consumed: %(qty)s %(uom)s are taken from "
                    "%(location)s, which holds %(have)s; the rest is on hold (%(held)s). "
                    "Held stock is never consumed: ask a Quality Manager to release it, or "
                    "choose another lot.",
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
