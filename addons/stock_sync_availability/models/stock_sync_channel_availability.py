from odoo import _, fields, models


class StockSyncChannelAvailability(models.Model):
    """What a channel shows for a product, and whether it risks overselling.

    Refreshed by the publish cron for every product whose availability may
    have changed. The planners' list, and (filtered on ``at_risk``) the
    oversell-risk list.
    """

    _name = "stock.sync.channel.availability"
    _description = "Channel Availability of a Product"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "at_risk desc, oversell_gap desc, channel_id, product_id"
    _rec_name = "product_id"

    channel_id = fields.Many2one(
        "stock.sync.channel", required=True, ondelete="cascade", index=True, readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="channel_id.company_id", store=True)
    categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category")
    criticality = fields.Selection(
        related="product_id.categ_id.stock_sync_criticality", string="Criticality"
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    atp_qty = fields.Float(
        "ATP",
        readonly=True,
        digits="Product Unit of Measure",
        help="Available to promise of the channel's warehouses over its horizon "
        "(negative: committed demand beyond supply).",
    )
    committed_qty = fields.Float(
        "Committed Demand", readonly=True, digits="Product Unit of Measure"
    )
    buffer_qty = fields.Float("Buffer", readonly=True, digits="Product Unit of Measure")
    exposed_qty = fields.Float("Shown", readonly=True, digits="Product Unit of Measure")
    published_qty = fields.Float("Last Sent", readonly=True, digits="Product Unit of Measure")
    published_at = fields.Datetime("Sent At", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    oversell_gap = fields.Float(
        "Gap",
        readonly=True,
        digits="Product Unit of Measure",
        help="How much may be oversold: committed demand beyond supply in the horizon, or "
        "what the channels sharing these warehouses show beyond their ATP, whichever is more.",
    )
    at_risk = fields.Boolean("Oversell Risk", readonly=True, index=True)

    _sql_constraints = [
        (
            "channel_product_unique",
            "unique(channel_id, product_id)",
            "One availability row per channel and product.",
        )
    ]

    def _notify_planners(self):
        """An activity for the channel's planner on each critical product that entered the risk list."""
        activity_type = self.env.ref(
            "stock_sync_availability.mail_activity_oversell_risk", raise_if_not_found=False
        )
        for row in self:
            planner = row.channel_id.planner_id
            if not planner or not activity_type:
                continue
            if row.product_id.product_tmpl_id._stock_sync_criticality() != "critical":
                continue
            row.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=planner.id,
                note=_(
                    "%(product)s may be oversold on %(channel)s by %(gap)s %(uom)s "
                    "(ATP %(atp)s, committed %(committed)s).",
                    product=row.product_id.display_name,
                    channel=row.channel_id.name,
                    gap=row.oversell_gap,
                    uom=row.uom_id.name,
                    atp=row.atp_qty,
                    committed=row.committed_qty,
                ),
            )

    def action_open_product(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "product.product",
            "res_id": self.product_id.id,
            "view_mode": "form",
        }
