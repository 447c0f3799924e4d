"""The MES's confirmations applied to manufacturing orders, through the connector's inbound path.

Each is applied by ``stock.sync.inbound._apply_safely`` (a savepoint, the
backend's inbound user, all or nothing), like every inbound event: an
unmapped SKU, location or unit waits for its mapping, a quantity that would
leave negative stock is held with an activity, and the rest of what is wrong
is rejected with the reason.
"""

from odoo import Command, _, api, fields, models
from odoo.tools import float_compare, float_is_zero

from odoo.addons.stock_sync_connector.models.stock_sync_inbound import Rejected

from ..services import mes_events

CLOSED = ("done", "cancel")


class StockSyncInbound(models.Model):
    _inherit = "stock.sync.inbound"

    event_type = fields.Selection(
        selection_add=[
            (mes_events.CONSUMPTION, "Consumption confirmed"),
            (mes_events.PRODUCTION, "Production confirmed"),
            (mes_events.SCRAP, "Scrap confirmed"),
        ],
        ondelete={t: "cascade" for t in mes_events.EVENT_TYPES},
    )
    production_id = fields.Many2one(
        "mrp.production", "Manufacturing Order", readonly=True, index="btree_not_null"
    )
    scrap_ids = fields.Many2many("stock.scrap", string="Scraps", readonly=True)

    @api.model
    def _event_checks(self):
        return dict(super()._event_checks(), **mes_events.CHECKS)

    # -- the manufacturing order ------------------------------------------------
    def _mes_production(self, event, open_only=True):
        """The MO ``event`` names, in the backend's company and warehouses; never another's.

        A partial production splits an order: Odoo renames it ``<name>-001`` and
        its backorder ``<name>-002`` carries the rest, while the MES still names
        the order it was given. The first open one of them is the order meant.
        """
        reference = event.data["order"]
        backend = self.backend_id
        Production = self.env["mrp.production"]
        named = ["|", ("name", "=", reference), ("name", "=like", f"{reference}-%")]
        family = Production.search([("company_id", "=", backend.company_id.id), *named], order="id")
        if not family:
            # sudo: only to tell "another company's order" from "no such order" in the
            # message; nothing of that order is read or written.
            other = Production.sudo().search(named, limit=1)
            if other:
                raise Rejected(
                    _(
                        "%(mo)s belongs to %(company)s, not to %(backend_company)s that this "
                        "backend serves: nothing was applied. Check the MES's plant mapping.",
                        mo=reference,
                        company=other.company_id.name,
                        backend_company=backend.company_id.name,
                    )
                )
            raise Rejected(
                _(
                    "No manufacturing order %(mo)s in %(company)s.",
                    mo=reference,
                    company=backend.company_id.name,
                )
            )
        opened = family.filtered(lambda p: p.state not in CLOSED + ("draft",))
        production = (opened or family)[:1] if open_only else family[:1]
        if backend.warehouse_ids and production.picking_type_id.warehouse_id not in (
            backend.warehouse_ids
        ):
            raise Rejected(_("%s is in a warehouse this backend does not serve.", reference))
        self.write({"production_id": production.id})
        if open_only and production.state in CLOSED + ("draft",):
            raise Rejected(
                _(
                    "%(mo)s is %(state)s: confirmations apply to confirmed orders in progress.",
                    mo=reference,
                    state=dict(production._fields["state"]._description_selection(self.env))[
                        production.state
                    ],
                )
            )
        self._mes_check_order(production)
        return production

    def _mes_check_order(self, production):
        """Refuse a confirmation older (by the MES's sequence) than one applied to the same MO."""
        if self.sequence is None or self.sequence is False or not self.sequence:
            return
        newer = self.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("production_id", "in", self._mes_order_family(production).ids),
                ("state", "=", "done"),
                ("sequence", ">=", self.sequence),
                ("id", "!=", self.id),
            ],
            order="sequence desc",
            limit=1,
        )
        if newer:
            raise Rejected(
                _(
                    "Out of order: confirmation %(newer)s (sequence %(newer_seq)s) of %(mo)s is "
                    "already applied; this one has sequence %(seq)s. Nothing was applied: "
                    "resend it with the next sequence if it still holds.",
                    newer=newer.external_id,
                    newer_seq=newer.sequence,
                    mo=production.name,
                    seq=self.sequence,
                )
            )

    @staticmethod
    def _mes_order_family(production):
        """The order and its backorders: what the MES knows as one order."""
        return production.procurement_group_id.mrp_production_ids or production

    def _mes_item(self, event):
        """``(product, quantity in the product's unit, lot or empty)`` of the confirmation."""
        data = event.data
        product = self._product(data["sku"])
        quantity = self._quantity(product, data["quantity"], data["unit"])
        self.write({"product_id": product.id})
        return product, quantity, data["lot"]

    def _mes_lot(self, product, name, create=False):
        lot = self._lot(product, name, create=create)
        if name and product.tracking != "none" and not lot:
            raise Rejected(
                _(
                    "Lot %(lot)s of %(product)s is unknown here: nothing was applied.",
                    lot=name,
                    product=product.display_name,
                )
            )
        return lot

    # -- consumption ----------------------------------------------------------------
    def _apply_consumption_confirmed(self, event):
        production = self._mes_production(event)
        product, quantity, lot_name = self._mes_item(event)
        location = (
            self._location(event.data["location"])
            if event.data["location"]
            else production.location_src_id
        )
        self.write({"location_id": location.id})
        lot = self._mes_lot(product, lot_name)
        self._check_not_negative(
            product, location, self._on_hand(product, location, lot or None) - quantity
        )
        moves = self._mes_consume(production, product, quantity, lot, location)
        return self.env["stock.picking"], moves

    def _mes_consume(self, production, product, quantity, lot, location):
        """Record ``quantity`` (product's unit) of ``product`` as consumed on ``production``.

        Here: on the component's line (picked), posted when the order is
        done, as in Odoo's own MO form. ``stock_sync_connector_soap_mrp_barcode``
        replaces it by the barcode-consumption service, which posts it at
        once (one path for every consumption). Returns the moves touched.
        """
        moves = production.move_raw_ids.filtered(
            lambda m: m.product_id == product and m.state not in CLOSED
        )
        if not moves:
            raise Rejected(
                _(
                    "%(product)s is not an open component of %(mo)s: nothing was applied.",
                    product=product.display_name,
                    mo=production.name,
                )
            )
        move = moves[0]
        if not move.picked:
            # What the MES confirms is what was consumed: the reservation gives way.
            move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "product_uom_id": product.uom_id.id,
                    "lot_id": lot.id,
                    "quantity": quantity,
                    "location_id": location.id,
                    "location_dest_id": move.location_dest_id.id,
                    "picked": True,
                }
            )
        ]
        move.picked = True
        return move

    # -- production -------------------------------------------------------------------
    def _apply_production_confirmed(self, event):
        production = self._mes_production(event)
        product, quantity, lot_name = self._mes_item(event)
        if product != production.product_id:
            raise Rejected(
                _(
                    "%(mo)s makes %(made)s, not %(product)s: nothing was applied.",
                    mo=production.name,
                    made=production.product_id.display_name,
                    product=product.display_name,
                )
            )
        if product.tracking != "none" and not lot_name:
            raise Rejected(
                _(
                    "%s is tracked: the confirmation must name the lot produced.",
                    product.display_name,
                )
            )
        lot = self._lot(product, lot_name, create=True) if lot_name else self.env["stock.lot"]
        qty = product.uom_id._compute_quantity(quantity, production.product_uom_id)
        remaining = production.product_qty - production.qty_produced
        before = (production.move_raw_ids | production.move_finished_ids).filtered(
            lambda m: m.state == "done"
        )
        production.qty_producing = production.qty_produced + qty
        if lot:
            production.lot_producing_id = lot
        production._set_qty_producing(False)
        for move in production.move_raw_ids.filtered(lambda m: m.state not in CLOSED):
            if move.quantity:
                move.picked = True
                self._check_not_negative(
                    move.product_id,
                    move.location_id,
                    self._on_hand(move.product_id, move.location_id)
                    - move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id),
                )
        context = {"skip_consumption": True, "skip_redirection": True, "skip_backorder": True}
        if float_compare(qty, remaining, precision_rounding=production.product_uom_id.rounding) < 0:
            context["mo_ids_to_backorder"] = production.ids
        production.with_context(**context).button_mark_done()
        if production.state != "done":
            raise Rejected(_("%s could not be marked done.", production.name))
        moves = (production.move_raw_ids | production.move_finished_ids).filtered(
            lambda m: m.state == "done"
        ) - before
        return self.env["stock.picking"], moves

    # -- scrap ------------------------------------------------------------------------
    def _apply_scrap_confirmed(self, event):
        production = (
            self._mes_production(event, open_only=False)
            if event.data["order"]
            else self.env["mrp.production"]
        )
        product, quantity, lot_name = self._mes_item(event)
        if event.data["location"]:
            location = self._location(event.data["location"])
        elif product == production.product_id:
            location = production.location_dest_id
        else:
            location = production.location_src_id
        self.write({"location_id": location.id})
        lot = self._mes_lot(product, lot_name)
        if product.tracking != "none" and not lot:
            raise Rejected(_("%s is tracked: the scrap must name the lot.", product.display_name))
        self._check_not_negative(
            product, location, self._on_hand(product, location, lot or None) - quantity
        )
        if float_is_zero(quantity, precision_rounding=product.uom_id.rounding):
            raise Rejected(_("Nothing to scrap."))
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": product.id,
                "product_uom_id": product.uom_id.id,
                "scrap_qty": quantity,
                "lot_id": lot.id,
                "location_id": location.id,
                "production_id": production.id,
                "company_id": self.backend_id.company_id.id,
                "origin": self._origin(),
            }
        )
        scrap.do_scrap()
        self.write({"scrap_ids": [Command.link(scrap.id)]})
        return self.env["stock.picking"], scrap.move_ids
