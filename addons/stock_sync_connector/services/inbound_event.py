"""The canonical inbound event: what a protocol module hands to the inbound log.

A protocol module (REST, SOAP, ...) turns what its system sends into dicts of
this shape, then ``stock.sync.inbound._record`` checks and stores them::

    {
      "id": "evt-000123",               # the sender's event id: the idempotency key
      "type": "count",                  # one of EVENT_TYPES
      "time": "2026-11-30T10:00:00Z",   # when it happened (ISO 8601), optional
      "sequence": 123,                  # the sender's order, optional
      "data": {...}                     # per type, below
    }

``data`` per type (quantities are numbers or numeric strings, in ``unit``,
an external unit code; without ``unit`` the product's own unit):

* ``adjustment``: ``sku``, ``location``, ``quantity`` (a signed delta), ``lot``?
* ``count``: ``sku``, ``location``, ``quantity`` (>= 0, the counted level), ``lot``?
* ``transfer``: ``sku``, ``location``, ``location_to``, ``quantity`` (> 0)
* ``receipt_confirmed`` / ``pick_confirmed``: ``reference`` (the Odoo transfer's
  name, as sent to the WMS), ``lines``: [{``sku``, ``quantity`` (>= 0), ``unit``?}]
* ``status_change``: ``sku``, ``location``, ``quantity`` (> 0), ``status``

Pure Python, no Odoo import: the same checks serve every protocol.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

ADJUSTMENT = "adjustment"
COUNT = "count"
TRANSFER = "transfer"
RECEIPT_CONFIRMED = "receipt_confirmed"
PICK_CONFIRMED = "pick_confirmed"
STATUS_CHANGE = "status_change"
EVENT_TYPES = (RECEIPT_CONFIRMED, PICK_CONFIRMED, TRANSFER, ADJUSTMENT, COUNT, STATUS_CHANGE)
MAX_ID_LENGTH = 200
MAX_LINES = 1000


class InboundEventError(ValueError):
    """The event is malformed: the message names the field and what is expected."""


@dataclass
class InboundEvent:
    id: str
    type: str
    data: dict
    time: datetime = None  # naive UTC, as Odoo stores datetimes
    sequence: int = None
    raw: dict = field(default_factory=dict)


def parse(raw, checks=None):
    """Check one event dict and return an :class:`InboundEvent`; raise :class:`InboundEventError`.

    ``checks`` is ``{event type: check(data) -> checked data}``, by default
    :data:`CHECKS`; protocol modules that add event types pass theirs too
    (``stock.sync.inbound._event_checks``).
    """
    checks = checks or _CHECKS
    if not isinstance(raw, dict):
        raise InboundEventError("An event is a JSON object with id, type and data.")
    event_id = raw.get("id")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or not str(event_id):
        raise InboundEventError("The event has no id: every event needs a unique 'id'.")
    event_id = str(event_id)
    if len(event_id) > MAX_ID_LENGTH:
        raise InboundEventError(f"The event id is longer than {MAX_ID_LENGTH} characters.")
    event_type = raw.get("type")
    if event_type not in checks:
        raise InboundEventError(
            f"Unknown event type {event_type!r}: expected one of {', '.join(checks)}."
        )
    data = raw.get("data")
    if not isinstance(data, dict):
        raise InboundEventError("The event's 'data' must be a JSON object.")
    sequence = raw.get("sequence")
    if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool)):
        raise InboundEventError("'sequence' must be an integer.")
    checked = checks[event_type](data)
    return InboundEvent(
        id=event_id,
        type=event_type,
        data=checked,
        time=parse_time(raw.get("time")),
        sequence=sequence,
        raw=raw,
    )


def parse_time(value):
    """An ISO 8601 time as naive UTC; ``None`` stays ``None``; raise on anything else."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InboundEventError("'time' must be an ISO 8601 text, e.g. 2026-11-30T10:00:00Z.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InboundEventError(
            f"'time' {value!r} is not an ISO 8601 time, e.g. 2026-11-30T10:00:00Z."
        ) from exc
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def quantity(value, name="quantity", minimum=None, strict=False):
    """A finite number from a JSON number or numeric text; raise if not.

    ``minimum`` is the lowest allowed value; ``strict`` excludes it.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InboundEventError(f"'{name}' must be a number, got {value!r}.")
    try:
        number = float(value)
    except ValueError as exc:
        raise InboundEventError(f"'{name}' must be a number, got {value!r}.") from exc
    if not math.isfinite(number):
        raise InboundEventError(f"'{name}' must be a finite number, got {value!r}.")
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        bound = "more than" if strict else "at least"
        raise InboundEventError(f"'{name}' must be {bound} {minimum:g}, got {number:g}.")
    return number


def _text(data, name, required=True):
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise InboundEventError(f"'data.{name}' is required: a non-empty text.")
    return str(value).strip()


def _item(data, minimum=None, strict=False, location=True):
    checked = {
        "sku": _text(data, "sku"),
        "quantity": quantity(data.get("quantity"), "data.quantity", minimum, strict),
        "unit": _text(data, "unit", required=False),
        "lot": _text(data, "lot", required=False),
    }
    if location:
        checked["location"] = _text(data, "location")
    return checked


def _adjustment(data):
    checked = _item(data)
    if checked["quantity"] == 0:
        raise InboundEventError("'data.quantity' of an adjustment is a non-zero delta.")
    return checked


def _count(data):
    return _item(data, minimum=0)


def _transfer(data):
    return dict(_item(data, minimum=0, strict=True), location_to=_text(data, "location_to"))


def _confirmation(data):
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise InboundEventError(f"'data.lines' must be a list of 1 to {MAX_LINES} lines.")
    checked = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise InboundEventError(
                f"'data.lines[{index}]' must be an object with sku and quantity."
            )
        try:
            checked.append(_item(line, minimum=0, location=False))
        except InboundEventError as exc:
            raise InboundEventError(f"In data.lines[{index}]: {exc}") from None
    return {"reference": _text(data, "reference"), "lines": checked}


def _status_change(data):
    return dict(_item(data, minimum=0, strict=True), status=_text(data, "status"))


_CHECKS = {
    ADJUSTMENT: _adjustment,
    COUNT: _count,
    TRANSFER: _transfer,
    RECEIPT_CONFIRMED: _confirmation,
    PICK_CONFIRMED: _confirmation,
    STATUS_CHANGE: _status_change,
}
# The checks of the base event types, and the field checks a module adding types reuses.
CHECKS = _CHECKS
check_item = _item
check_text = _text
