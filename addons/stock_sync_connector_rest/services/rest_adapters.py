"""The events in one webhook body: canonical ones as sent, known WMS callbacks translated.

Canonical events (``stock_sync_connector/services/inbound_event.py``) come as
one object, a list, or ``{"events": [...]}``. A WMS whose callbacks have their
own shape gets a translation here, to the canonical events it means; what
cannot be translated stays as it is, and the inbound log rejects it with the
reason.

* MasonHub ``inboundShipmentEvent`` with status ``receivingComplete``: one
  ``receipt_confirmed`` per shipment, its ``customer_identifier`` being the
  Odoo receipt's name, each line's ``total_quantity_received`` of
  ``customer_sku_id`` (what was not received stays in a backorder). The
  event id is ``<message_id>:<shipment id>``.
* ShipHero ``Inventory Change`` (one location's level changed): a ``count``
  of ``sku`` at ``location_name`` to ``quantity`` (the new level; ShipHero
  sends ``old_quantity`` beside it). ShipHero names lots by its own ids, not
  by name: for a lot-tracked product the inbound log rejects it, asking for
  the lot. ShipHero ``Inventory Update`` (a warehouse's totals): one ``count``
  per item, ``on_hand`` of ``updated_warehouse`` at the location coded by the
  warehouse's ``identifier``. ShipHero sends no event id: it is made of what
  the message says (account, warehouse, SKU, location, time, quantities), so
  the same message twice is a duplicate and a new level a new event.
"""

import hashlib
import json

SHIPHERO_CHANGE = "Inventory Change"
SHIPHERO_UPDATE = "Inventory Update"


def expand(document):
    """The list of raw events a webhook body holds."""
    if isinstance(document, dict) and document.get("message_type") == "inboundShipmentEvent":
        return [_masonhub_shipment(document, item) for item in document.get("data") or [None]]
    if isinstance(document, dict) and document.get("webhook_type") == SHIPHERO_CHANGE:
        return [_shiphero_change(document)]
    if isinstance(document, dict) and document.get("webhook_type") == SHIPHERO_UPDATE:
        items = document.get("inventory")
        return [_shiphero_update(document, item) for item in items or [None]]
    if isinstance(document, dict) and "events" in document:
        return document["events"]
    return [document] if isinstance(document, dict) else document


def _masonhub_shipment(message, item):
    if not isinstance(item, dict):
        return {"id": message.get("message_id"), "type": None, "data": item}
    event_id = f"{message.get('message_id')}:{item.get('id')}"
    if item.get("status") != "receivingComplete":
        return {"id": event_id, "type": f"inboundShipmentEvent/{item.get('status')}", "data": {}}
    details = item.get("details") or {}
    return {
        "id": event_id,
        "type": "receipt_confirmed",
        "time": item.get("as_of"),
        "data": {
            "reference": item.get("customer_identifier"),
            "lines": [
                {
                    "sku": line.get("customer_sku_id"),
                    "quantity": line.get("total_quantity_received"),
                }
                if isinstance(line, dict)
                else line
                for line in details.get("line_items") or []
            ],
        },
    }


def _content_id(prefix, *parts):
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"{prefix}:{digest[:32]}"


def _shiphero_change(message):
    return {
        "id": _content_id(
            "shiphero-change",
            message.get("account_id"),
            message.get("warehouse_id"),
            message.get("sku"),
            message.get("location_name"),
            message.get("timestamp"),
            message.get("quantity"),
            message.get("old_quantity"),
        ),
        "type": "count",
        "time": message.get("timestamp"),
        "data": {
            "sku": message.get("sku"),
            "location": message.get("location_name"),
            "quantity": message.get("quantity"),
        },
    }


def _shiphero_update(message, item):
    if not isinstance(item, dict):
        return {"id": _content_id("shiphero-update", message), "type": None, "data": item}
    warehouse = item.get("updated_warehouse")
    if not isinstance(warehouse, dict):
        return {
            "id": _content_id("shiphero-update", message.get("account_id"), item),
            "type": "shiphero/Inventory Update without updated_warehouse",
            "data": {},
        }
    return {
        "id": _content_id(
            "shiphero-update",
            message.get("account_id"),
            item.get("sku"),
            warehouse.get("warehouse_id"),
            warehouse.get("on_hand"),
        ),
        "type": "count",
        "data": {
            "sku": item.get("sku"),
            "location": warehouse.get("identifier"),
            "quantity": warehouse.get("on_hand"),
        },
    }
