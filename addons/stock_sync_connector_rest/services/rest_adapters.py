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
"""


def expand(document):
    """The list of raw events a webhook body holds."""
    if isinstance(document, dict) and document.get("message_type") == "inboundShipmentEvent":
        return [_masonhub_shipment(document, item) for item in document.get("data") or [None]]
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
