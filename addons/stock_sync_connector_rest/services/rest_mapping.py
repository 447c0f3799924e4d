"""Canonical outbox events to the WMS's JSON, through the backend's cross-references.

The WMS API this connector speaks (and ``tests/wms_simulator.py`` serves):

* ``POST /api/v1/movements``: one movement, ``Idempotency-Key`` = the event id::

    {"id": "<event id>", "type": "movement", "operation": "receipt",
     "reference": "WH/IN/00007", "sku": "EXT-1", "quantity": 5.0, "unit": "EA",
     "from": null, "to": "BIN-A", "lot": null, "time": "...", "sequence": 3}

  ``from`` / ``to`` are external location codes, ``null`` outside the
  warehouse (supplier, customer, inventory loss, production).
* ``POST /api/v1/expected-receipts``: one line of an expected receipt (ASN),
  ``Idempotency-Key`` = the event id; the latest per ``(reference, sku)`` is
  what the WMS expects::

    {"id": "<event id>", "type": "expected_receipt", "action": "confirmed",
     "reference": "WH/IN/00007", "origin": "PO0042", "sku": "EXT-1",
     "quantity": 5.0, "unit": "EA", "to": "WH-STOCK",
     "expected_date": "...", "partner": "Vendor name", "time": "...", "sequence": 3}

  ``action`` is ``confirmed``, ``changed``, ``cancelled`` or ``closed`` (the
  last two with quantity 0: nothing more is expected).
* ``POST /api/v1/holds``: a quality hold, release, rejection or disposal, with
  the external status the stock now has, when the quality-hold glue maps
  statuses (``context.statuses``; without it, holds are notifications)::

    {"id": "<event id>", "type": "hold", "action": "hold", "status": "QC",
     "sku": "EXT-1", "quantity": 5.0, "unit": "EA", "lot": "L1",
     "location": "WH-STOCK", "reason": "suspect", "time": "...", "sequence": 4}

  ``location`` is where the stock is in the WMS's terms (the unheld side of
  the move), ``status`` null for a disposal (the stock left the books).
* ``POST /api/v1/notifications``: any other event type, as the CloudEvent itself.

Nothing is guessed: a product or internal location without a cross-reference
raises :class:`MappingError`, and the delivery engine keeps that event as a
dead letter naming the missing mapping.
"""

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
EXPECTED_RECEIPT_TYPE = "odoo.stock_sync.expected_receipt.v1"
HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"
HOLDS_PATH = "/api/v1/holds"
MOVEMENTS_PATH = "/api/v1/movements"
EXPECTED_RECEIPTS_PATH = "/api/v1/expected-receipts"
NOTIFICATIONS_PATH = "/api/v1/notifications"


class MappingError(ValueError):
    """An Odoo record the event names has no cross-reference for this backend."""


def to_request(event, context):
    """``(path, body)`` of the POST that carries one CloudEvent (a dict) to the WMS."""
    if event.get("type") == EXPECTED_RECEIPT_TYPE:
        return EXPECTED_RECEIPTS_PATH, _expected_receipt(event, context)
    if event.get("type") == HOLD_TYPE and context.statuses is not None:
        return HOLDS_PATH, _hold(event, context)
    if event.get("type") != MOVEMENT_TYPE:
        return NOTIFICATIONS_PATH, event
    data = event["data"]
    sku, unit, factor = _item(data["product"], context)
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


def _expected_receipt(event, context):
    data = event["data"]
    sku, unit, factor = _item(data["product"], context)
    partner = data.get("partner") or {}
    return {
        "id": event["id"],
        "type": "expected_receipt",
        "action": data["action"],
        "reference": data["picking"]["name"],
        "origin": data["picking"].get("origin"),
        "sku": sku,
        "quantity": round(data["quantity"] / factor, 6),
        "unit": unit,
        "to": _location(data["location_to"], context),
        "expected_date": data.get("scheduled_date"),
        "partner": partner.get("name"),
        "time": event.get("time"),
        "sequence": event.get("sequence"),
    }


def _hold(event, context):
    data = event["data"]
    sku, unit, factor = _item(data["product"], context)
    action = data["action"]
    state = {"hold": data["bucket"], "reject": "rejected", "release": "available"}.get(action)
    status = context.statuses.get(state) if state else None
    if state and not status:
        raise MappingError(
            f"The {state} stock of a {action} has no external status for this backend: add "
            "it under Inventory Sync > Cross-References > External Statuses, then retry."
        )
    # Where the stock was (hold, reject, disposal) or went back to (release).
    side = data["location_to"] if action == "release" else data["location_from"]
    lot = data.get("lot") or {}
    return {
        "id": event["id"],
        "type": "hold",
        "action": action,
        "status": status,
        "sku": sku,
        "quantity": round(data["quantity"] / factor, 6),
        "unit": unit,
        "lot": lot.get("name"),
        "location": _hold_location(side, context),
        "reason": data["reason"]["code"],
        "time": event.get("time"),
        "sequence": event.get("sequence"),
    }


def _hold_location(location, context):
    """A hold's location: a bucket may have no external code (null), stock must."""
    code = context.locations.get(location["id"])
    if code is None and not location.get("bucket"):
        raise MappingError(
            f"Location {location['name']} has no external code for this backend: add it under "
            "Inventory Sync > Cross-References, then retry."
        )
    return code


def _item(product, context):
    """``(external SKU, external unit or None, factor)`` of an event's product."""
    sku = context.skus.get(product["id"])
    if not sku:
        raise MappingError(
            f"Product {product.get('default_code') or product['name']} has no external SKU for "
            "this backend: add it under Inventory Sync > Cross-References, then retry."
        )
    unit, factor = context.units.get(product["id"], (None, 1.0))
    return sku, unit, factor


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
