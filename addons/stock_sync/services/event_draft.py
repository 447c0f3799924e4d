"""What a module hands to the outbox's one door, ``stock.sync.event.emit``."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class EventDraft:
    """One inventory event, before the outbox gives it an id, a sequence and deliveries.

    Records are Odoo recordsets of one record (or empty); the outbox reads
    their ids and names now, so the event stays readable after they are gone.

    :param company: ``res.company``; the event's ``source`` and the key's company.
    :param product: ``product.product``; the partition key is product and company,
        so events of one product are delivered in order.
    :param occurred_at: when it happened in the physical world, as Odoo stores
        datetimes: naive, in UTC. It is the CloudEvents ``time``.
    :param data: the CloudEvents ``data``, a JSON-serialisable dict that must be
        valid against the event type's JSON Schema (quantities in the product's
        unit of measure unless the schema says otherwise).
    :param operation: one of ``stock.sync.event`` OPERATIONS (receipt, hold, ...).
    :param reference: the business document, e.g. ``WH/IN/00012``; shown in lists.
    :param lot: ``stock.lot``, if the event is about one lot or serial.
    :param location_from: ``stock.location`` the quantity leaves (routing filters).
    :param location_to: ``stock.location`` the quantity enters (routing filters).
    :param move_line: ``stock.move.line`` it records, if any.
    :param routing_locations: more ``stock.location`` records that location and
        warehouse filters look at, e.g. where a corrected line used to go.
    :param endpoint_ids: ids of endpoints that receive the event whatever their
        filters, e.g. those that received the event it corrects.
    """

    company: object
    product: object
    occurred_at: datetime
    data: dict
    operation: str = None
    reference: str = None
    lot: object = None
    location_from: object = None
    location_to: object = None
    move_line: object = None
    routing_locations: object = None
    endpoint_ids: frozenset = field(default_factory=frozenset)
