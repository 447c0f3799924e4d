"""Canonical outbox events to the MES's SOAP operations, through the backend's cross-references.

What the MES receives (``services/soap_client.OPERATIONS``):

* **material availability**, from each ``odoo.stock_sync.movement.v1``
  event: ``ReportMaterialAvailability`` with the on-hand of the product,
  after the movement, at each end of it that the MES knows (an internal
  location with an external code), in the external unit::

    ReportMaterialAvailability(EventId="<event id>", Time="...", Sequence=3,
        Items={"AvailabilityItem": [{"Sku": "EXT-1", "Location": "LINE-1",
                                     "OnHand": 12.5, "Unit": "EA", "Lot": None}]})

* **lot release status**, from each ``odoo.stock_quality_hold.hold.v1``
  event (quality holds, when ``stock_quality_hold_sync`` is installed):
  ``ReportLotStatus`` with the lot's status after the action (``released``,
  ``on_hold``, ``quarantined``, ``rejected``, ``expired``; for an untracked
  product, what the action made of the stock).

Nothing is guessed: a product without an external SKU, a movement of which
no end is known to the MES, or another event type raises :class:`MappingError`,
and the delivery engine keeps that event as a dead letter naming the reason.
"""

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"
# The stock's status after a hold action, for products without lots.
ACTION_STATUS = {
    "hold": "on_hold",
    "release": "released",
    "reject": "rejected",
    "disposal": "disposed",
}


class MappingError(ValueError):
    """The event cannot be said to the MES: a missing cross-reference, another event type."""


def to_call(event, context):
    """``(operation, arguments)`` of the SOAP call that carries one CloudEvent (a dict)."""
    event_type = event.get("type")
    if event_type == MOVEMENT_TYPE:
        return "ReportMaterialAvailability", _availability(event, context)
    if event_type == HOLD_TYPE:
        return "ReportLotStatus", _lot_status(event, context)
    raise MappingError(
        f"The MES receives stock movements (material availability) and quality holds (lot "
        f"status), not {event_type}: limit this endpoint's event types to those."
    )


def _sku(product, context):
    sku = context.skus.get(product["id"])
    if not sku:
        raise MappingError(
            f"Product {product.get('default_code') or product['name']} has no external SKU for "
            "this backend: add it under Inventory Sync > Cross-References, then retry."
        )
    return sku


def _quantity(product, quantity, context):
    unit, factor = context.units.get(product["id"], (None, 1.0))
    return round(quantity / factor, 6), unit


def _availability(event, context):
    data = event["data"]
    product = data["product"]
    sku = _sku(product, context)
    lot = data.get("lot") or {}
    items, unknown = [], []
    for location in (data["location_from"], data["location_to"]):
        if location["usage"] != "internal" or location.get("on_hand") is None:
            continue
        code = context.locations.get(location["id"])
        if code is None:
            unknown.append(location["name"])
            continue
        on_hand, unit = _quantity(product, location["on_hand"], context)
        items.append(
            {
                "Sku": sku,
                "Location": code,
                "OnHand": on_hand,
                "Unit": unit,
                "Lot": lot.get("name") if isinstance(lot, dict) else None,
            }
        )
    if not items:
        raise MappingError(
            f"Neither end of this movement is a location the MES knows "
            f"({', '.join(unknown) or 'no internal location'}): add an external code under "
            "Inventory Sync > Cross-References, or limit the endpoint to the MES's locations."
        )
    return {
        "EventId": event["id"],
        "Time": event.get("time"),
        "Sequence": event.get("sequence"),
        "Items": {"AvailabilityItem": items},
    }


def _lot_status(event, context):
    data = event["data"]
    product = data["product"]
    quantity, unit = _quantity(product, data["quantity"], context)
    lot = data.get("lot") or {}
    return {
        "EventId": event["id"],
        "Time": event.get("time"),
        "Sku": _sku(product, context),
        "Lot": lot.get("name"),
        "Status": data.get("lot_status") or ACTION_STATUS.get(data["action"], data["action"]),
        "Quantity": quantity,
        "Unit": unit,
    }
