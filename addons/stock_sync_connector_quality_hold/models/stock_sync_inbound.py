from odoo import _, models
from odoo.tools import float_compare, float_is_zero

from odoo.addons.stock_sync_connector.models.stock_sync_inbound import (
    HeldNegative,
    MissingMapping,
    Rejected,
)

from .stock_sync_xref_status import AVAILABLE

HOLD_BUCKETS = ("qa_hold", "quarantine")


class StockSyncInbound(models.Model):
    _inherit = "stock.sync.inbound"

    def _apply_status_change(self, event):
        """Move ``quantity`` of the product into the bucket its new status maps to.

        Through the quality-hold engine (``stock.quant._quality_action``), so a
        status change is a hold, release or reject like a user's, with its
        history, lot status and hold event:

        * to a hold bucket: from the named location's unheld stock (hold);
        * to *rejected*: from the warehouse's QA hold and quarantine buckets
          first (a failed inspection), then from the named location (reject);
        * to *available*: from the warehouse's buckets (release; from
          *rejected* only with the override right, which the inbound user has not).

        A named location that is a bucket itself is the only source. An
        unmapped status waits for its mapping; not enough stock where it should
        be is held for investigation, nothing moved.
        """
        data = event.data
        backend = self.backend_id
        xref = backend._xref("stock.sync.xref.status", data["status"])
        if not xref:
            raise MissingMapping(_("external status %r", data["status"]), data["status"])
        product = self._product(data["sku"])
        location = self._location(data["location"])
        quantity = self._quantity(product, data["quantity"], data["unit"])
        self.write({"product_id": product.id, "location_id": location.id})
        lot = self._lot(product, data["lot"])
        if product.tracking != "none" and not lot:
            raise Rejected(
                _("%(product)s has no lot %(lot)s.", product=product.display_name, lot=data["lot"])
            )
        target = xref.bucket
        if location.quality_bucket == target:
            return self.env["stock.picking"], self.env["stock.move"]
        action = {AVAILABLE: "release", "rejected": "reject"}.get(target, "hold")
        sources = self._status_sources(location, target)
        if action == "hold" and location.quality_bucket:
            raise Rejected(
                _(
                    "%(location)s is a hold bucket: release the stock before holding it in "
                    "%(target)s.",
                    location=location.display_name,
                    target=target,
                )
            )
        domain = [
            ("product_id", "=", product.id),
            ("location_id", "child_of", sources.ids),
            ("quantity", ">", 0),
        ]
        if lot:
            domain.append(("lot_id", "=", lot.id))
        quants = self.env["stock.quant"].search(domain)
        # The sources' order, then the oldest stock first.
        order = {loc.id: index for index, loc in enumerate(sources)}
        quants = quants.sorted(
            lambda q: (
                min(i for lid, i in order.items() if f"/{lid}/" in f"/{q.location_id.parent_path}"),
                q.in_date or q.create_date,
                q.id,
            )
        )
        rounding = product.uom_id.rounding
        reason = self.env.ref("stock_sync_connector_quality_hold.reason_external_status")
        note = _(
            "%(backend)s: status %(status)s (event %(event)s).",
            backend=backend.name,
            status=data["status"],
            event=self.external_id,
        )
        remaining, histories = quantity, self.env["stock.quality.hold.history"]
        for quant in quants:
            free = quant.quantity - (quant.reserved_quantity if action == "hold" else 0)
            take = min(remaining, free)
            if float_compare(take, 0, precision_rounding=rounding) <= 0:
                continue
            done, _skipped = quant._quality_action(
                action,
                reason,
                bucket=target if action == "hold" else None,
                quantity=take,
                note=note,
            )
            histories |= done
            remaining -= take
            if float_is_zero(remaining, precision_rounding=rounding):
                break
        if float_compare(remaining, 0, precision_rounding=rounding) > 0:
            raise HeldNegative(
                _(
                    "Status %(status)s for %(quantity)s %(uom)s of %(product)s, but only "
                    "%(found)s %(uom)s can move there from %(sources)s.",
                    status=data["status"],
                    quantity=quantity,
                    uom=product.uom_id.name,
                    product=product.display_name,
                    found=quantity - remaining,
                    sources=", ".join(sources.mapped("display_name")),
                )
            )
        return self.env["stock.picking"], histories.move_id

    def _status_sources(self, location, target):
        """The locations stock comes from to enter ``target``, in the order taken."""
        if location.quality_bucket:
            return location
        warehouse = location.warehouse_id
        if not warehouse:
            raise Rejected(
                _("%s is not in a warehouse: it has no hold buckets.", location.display_name)
            )
        if target == AVAILABLE:
            buckets = (*HOLD_BUCKETS, "rejected")
            return self.env["stock.location"].concat(
                *(warehouse._quality_bucket_location(b) for b in buckets)
            )
        if target == "rejected":
            held = [warehouse._quality_bucket_location(b) for b in HOLD_BUCKETS]
            return self.env["stock.location"].concat(*held, location)
        return location
