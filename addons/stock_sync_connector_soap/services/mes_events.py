"""The MES's confirmations as canonical inbound events (``stock_sync_connector``'s).

A confirmation, polled (``GetConfirmations``) or pushed
(``SubmitConfirmations``), has the WSDL's ``Confirmation`` fields::

    {"Id": "mes-0001", "Kind": "consumption" | "production" | "scrap",
     "Order": "WH/MO/00012", "Sku": "EXT-1", "Quantity": "2.5", "Unit": "EA",
     "Lot": "L-7", "Location": "LINE-1", "Sequence": 3, "Time": "2026-11-30T10:00:00Z"}

and becomes the canonical event ``{"id", "type": "<kind>_confirmed", "time",
"sequence", "data": {"order", "sku", "quantity", "unit", "lot", "location"}}``.
``data`` per type (quantities are more than zero, in ``unit``, an external
unit code; without it the product's own unit):

* ``consumption_confirmed``: ``order`` (an MO's name), ``sku`` (a
  component), ``quantity``, ``lot``?, ``location``? (default: the MO's
  component location);
* ``production_confirmed``: ``order``, ``sku`` (the MO's product),
  ``quantity`` (produced now), ``lot``? (required for tracked products);
* ``scrap_confirmed``: ``sku``, ``quantity``, ``lot``?, and ``order`` or
  ``location`` or both.

``sequence`` is the MES's number of the confirmation within its order:
an older number than one applied is refused as out of order.

Pure Python, no Odoo import.
"""

from odoo.addons.stock_sync_connector.services.inbound_event import (
    InboundEventError,
    check_item,
    check_text,
)

CONSUMPTION = "consumption_confirmed"
PRODUCTION = "production_confirmed"
SCRAP = "scrap_confirmed"
EVENT_TYPES = (CONSUMPTION, PRODUCTION, SCRAP)
KINDS = {"consumption": CONSUMPTION, "production": PRODUCTION, "scrap": SCRAP}
FIELDS = ("Id", "Kind", "Order", "Sku", "Quantity", "Unit", "Lot", "Location", "Sequence", "Time")


def _confirmed(data, order_required=True):
    checked = check_item(data, minimum=0, strict=True, location=False)
    checked["order"] = check_text(data, "order", required=order_required)
    checked["location"] = check_text(data, "location", required=False)
    return checked


def _consumption(data):
    return _confirmed(data)


def _production(data):
    return _confirmed(data)


def _scrap(data):
    checked = _confirmed(data, order_required=False)
    if not checked["order"] and not checked["location"]:
        raise InboundEventError("A scrap needs 'data.order' or 'data.location' (or both).")
    return checked


CHECKS = {CONSUMPTION: _consumption, PRODUCTION: _production, SCRAP: _scrap}


def to_canonical(confirmation):
    """The canonical event of one MES confirmation (a dict of the WSDL's fields).

    What cannot be read is passed on as it is, so that the inbound log
    rejects it with the reason (an unknown ``Kind`` becomes an unknown type).
    """
    if not isinstance(confirmation, dict) or "Kind" not in confirmation:
        return confirmation
    kind = confirmation.get("Kind")
    sequence = confirmation.get("Sequence")
    if isinstance(sequence, str) and sequence.strip().lstrip("-").isdigit():
        sequence = int(sequence)
    return {
        "id": confirmation.get("Id"),
        "type": KINDS.get(kind, f"MES kind {kind!r}"),
        "time": confirmation.get("Time") or None,
        "sequence": sequence,
        "data": {
            key: confirmation.get(name)
            for key, name in (
                ("order", "Order"),
                ("sku", "Sku"),
                ("quantity", "Quantity"),
                ("unit", "Unit"),
                ("lot", "Lot"),
                ("location", "Location"),
            )
            if confirmation.get(name) not in (None, "")
        },
    }


def plain(confirmation):
    """A zeep ``Confirmation`` (or a dict) as a JSON-ready dict of its WSDL fields."""
    values = {}
    for name in FIELDS:
        value = (
            confirmation.get(name)
            if isinstance(confirmation, dict)
            else getattr(confirmation, name, None)
        )
        if value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)  # Decimal: its exact text
        values[name] = value
    return values
