from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

BUFFER_TYPES = [("percent", "Percent of ATP"), ("absolute", "Fixed quantity")]


def check_buffer(buffer_type, value, where):
    """ValidationError unless ``value`` is a valid buffer of ``buffer_type``."""
    if value < 0:
        raise ValidationError(
            _(
                "%(where)s: a buffer cannot be negative (%(value)s). Enter 0 for no buffer.",
                where=where,
                value=value,
            )
        )
    if buffer_type == "percent" and value > 100:
        raise ValidationError(
            _(
                "%(where)s: a buffer of %(value)s%% keeps back more than everything. "
                "Enter a percentage from 0 to 100.",
                where=where,
                value=value,
            )
        )


class StockSyncChannelBuffer(models.Model):
    """The buffer a channel keeps back for the products of one category (and its children)."""

    _name = "stock.sync.channel.buffer"
    _description = "Channel Buffer per Product Category"
    _order = "channel_id, categ_id"

    channel_id = fields.Many2one(
        "stock.sync.channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="channel_id.company_id", store=True)
    categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        required=True,
        ondelete="cascade",
        help="Applies to its sub-categories too, unless they have a buffer of their own.",
    )
    buffer_type = fields.Selection(BUFFER_TYPES, required=True, default="percent")
    buffer_value = fields.Float("Buffer", required=True, default=0.0)

    _sql_constraints = [
        (
            "channel_categ_unique",
            "unique(channel_id, categ_id)",
            "A channel has one buffer per product category.",
        )
    ]

    @api.constrains("buffer_type", "buffer_value")
    def _check_buffer(self):
        for line in self:
            check_buffer(
                line.buffer_type,
                line.buffer_value,
                _(
                    "Channel %(channel)s, category %(categ)s",
                    channel=line.channel_id.name,
                    categ=line.categ_id.display_name,
                ),
            )
