"""Canonical outbox events to the WMS's JSON, through the backend's cross-references.

The WMS API this connector speaks (and ``tests/wms_simulator.py`` serves):

* ``POST /api/v1/movements``: one movement, ``Idempotency-Key`` = the event id::

    {"id": "<event id>", "type": "movement", "operation": "receipt",
     "reference": "WH/IN/00007", "sku": "EXT-1", "quantity": 5.0, "unit": "EA",
     "from": null, "to": "BIN-A", "lot": null, "time": "...", "sequence": 3}

  ``from`` / ``to`` are external location codes, ``null`` outside the
  warehouse (supplier, customer, inventory loss, production).
* ``POST /api/v1/notifications``: any other event type, as the CloudEvent itself.

Nothing is guessed: a product or internal location without a cross-reference
raises :class:`MappingError`, and the delivery engine keeps that event as a
dead letter naming the missing mapping.
"""

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
MOVEMENTS_PATH = "/api/v1/movements"
NOTIFICATIONS_PATH = "/api/v1/notifications"


class MappingError(ValueError):
    """An Odoo record the event names has no cross-reference for this backend."""


def to_request(event, context):
    """``(path, body)`` of the POST that carries one CloudEvent (a dict) to the WMS."""
    if event.get("type") != MOVEMENT_TYPE:
        return NOTIFICATIONS_PATH, event
    data = event["data"]
    product = data["product"]
    sku = context.skus.get(product["id"])
    if not sku:
        raise MappingError(
            f"Product {product.get('default_code') or product['name']} has no external SKU for "
            "this backend: add it under Inventory Sync > Cross-References, then retry."
        )
    unit, factor = context.units.get(product["id"], (None, 1.0))
    lot = data.get("lot") or {}
    return MOVEMENTS_PATH, {
        "id": event["id"],
        "type": "movement",
        "operation": data["operation"],
        "reference": data.get("reference"),
        "sku": sku,
        "quantity": round(data["quantity"] / factor, 6),
        "unit": unit,
        "from": _location(data["location_from"], context),
        "to": _location(data["location_to"], context),
        "lot": lot.get("name") if isinstance(lot, dict) else None,
        "time": event.get("time"),
        "sequence": event.get("sequence"),
    }


def _location(location, context):
    if location["usage"] != "internal":
        return None
    code = context.locations.get(location["id"])
    if code is None:
        raise MappingError(
            f"Location {location['name']} has no external code for this backend: add it under "
            "Inventory Sync > Cross-References, or limit the endpoint to the locations the "
            "WMS manages, then retry."
        )
    return code
