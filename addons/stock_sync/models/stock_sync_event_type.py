from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..services import schema


class StockSyncEventType(models.Model):
    """A kind of inventory event: the only kinds ``stock.sync.event.emit`` accepts.

    Kept as data so that glue modules (quality hold, availability) add their
    own types, with their JSON Schema, without touching the outbox.
    """

    _name = "stock.sync.event.type"
    _description = "Inventory Event Type"
    _order = "sequence, code"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="The CloudEvents 'type', versioned, e.g. odoo.stock_sync.movement.v1.",
    )
    version = fields.Integer(
        required=True, default=1, help="Of the data schema; a breaking change is a new type."
    )
    aggregatetype = fields.Char(
        "Aggregate Type",
        required=True,
        help="What the event is about, as Debezium's outbox router reads it "
        "(e.g. stock.movement, stock.lot): the Kafka topic when streamed.",
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    schema_path = fields.Char(
        required=True,
        help="JSON Schema of the event's data, inside its module: module/schemas/name.json.",
    )

    _sql_constraints = [
        ("code_unique", "unique(code)", "An event type code must be unique."),
    ]

    @api.constrains("schema_path")
    def _check_schema_path(self):
        for event_type in self:
            try:
                schema.validator(event_type.schema_path)
            except (FileNotFoundError, ValueError) as exc:
                raise ValidationError(
                    _(
                        "Event type %(code)s: its schema %(path)s cannot be used (%(error)s). "
                        "Give the path of a JSON Schema file inside a module, "
                        "e.g. stock_sync/schemas/movement.v1.json.",
                        code=event_type.code,
                        path=event_type.schema_path,
                        error=exc,
                    )
                ) from None

    def write(self, vals):
        self.env.registry.clear_cache()  # _definition is cached per code
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    @tools.ormcache("code")
    def _definition(self, code):
        """``(aggregatetype, schema_path)`` of the type ``code``; UserError if unknown."""
        # sudo: the door checks types for any user that moves stock.
        event_type = self.sudo().search([("code", "=", code)], limit=1)
        if not event_type:
            raise UserError(
                _(
                    "Unknown inventory event type %(code)r: a module emits only the types it "
                    "declares as stock.sync.event.type records (with their JSON Schema) "
                    "in its data files.",
                    code=code,
                )
            )
        return event_type.aggregatetype, event_type.schema_path
