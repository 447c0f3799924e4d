from odoo import fields, models


class StockSyncEventType(models.Model):
    """A kind of inventory event that endpoints can subscribe to.

    Kept as data so that glue modules (quality hold, availability) add their
    own types without touching the endpoint model.
    """

    _name = "stock.sync.event.type"
    _description = "Inventory Event Type"
    _order = "sequence, code"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="The CloudEvents 'type', versioned, e.g. odoo.stock_sync.movement.v1.",
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    schema_path = fields.Char(help="JSON Schema of the event's data, inside its module.")

    _sql_constraints = [
        ("code_unique", "unique(code)", "An event type code must be unique."),
    ]
