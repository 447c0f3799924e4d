from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class StockSyncDemo(models.AbstractModel):
    """Demo activity, called from demo/stock_sync_demo.xml (never by the engine).

    Everything goes through the flows a stock user goes through in the web
    client (confirm, reserve, set the quantities, validate), so the events are
    captured exactly as they would be in production. Nothing is dispatched
    here: the dispatch cron sends the events once a server runs.
    """

    _name = "stock.sync.demo"
    _description = "Inventory Sync Demo Activity"

    @api.model
    def _demo_transfer(self, kind, partner_id, lines, days_ago, origin):
        """Create and validate a receipt or delivery of the main warehouse.

        ``kind``: "receipt" or "delivery"; ``lines``: [(product id, quantity)].
        The picking is *scheduled* ``days_ago`` days back, so the transfer lists
        read like the last few days of a site. It is validated now, though:
        Odoo stamps done moves (and so the events) with the validation time,
        and the demo does not pretend otherwise.
        """
        warehouse = self.env.ref("stock.warehouse0")
        if kind == "receipt":
            picking_type = warehouse.in_type_id
            source = self.env.ref("stock.stock_location_suppliers")
            destination = warehouse.lot_stock_id
        else:
            picking_type = warehouse.out_type_id
            source = warehouse.lot_stock_id
            destination = self.env.ref("stock.stock_location_customers")
        # As the demo's stock manager, so that the chatter reads like a person's work.
        env = self.with_user(self.env.ref("base.user_admin")).env
        scheduled = fields.Datetime.now().replace(minute=0, second=0, microsecond=0) - timedelta(
            days=days_ago
        )
        picking = env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner_id,
                "origin": origin,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "scheduled_date": scheduled,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.display_name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                    for product, qty in ((env["product.product"].browse(p), q) for p, q in lines)
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        if picking.state != "done":
            raise UserError(
                _(
                    "Demo transfer %(name)s could not be validated (%(state)s).",
                    name=picking.name,
                    state=picking.state,
                )
            )
        return picking.id
