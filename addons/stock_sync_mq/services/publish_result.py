"""What both broker transports report: per event, in key order (``transport.SendResult``).

A broker acknowledges each message (an MQTT PUBACK, an AMQP confirm). What
it acknowledged is delivered; the first event of a key it did not
acknowledge stops that key: the later ones of the key wait, so that a
receiver never sees an event before an earlier one of its product.
"""

import json

from odoo.addons.stock_sync.services.transport import DELIVERED, RETRY, SendResult


def partition_key(text):
    """The ``partitionkey`` of an event given as JSON text (``None`` if it has none)."""
    try:
        return json.loads(text).get("partitionkey")
    except (ValueError, AttributeError):
        return None


def waits():
    return SendResult(
        RETRY, error="Waits for an earlier event of the same product, not acknowledged."
    )


def assemble(events, answered, failure, duration):
    """The batch's :class:`SendResult`.

    :param events: ``[(event id, JSON text, partition key)]`` in the batch's order
    :param answered: ``{event id: SendResult}`` for the events the broker answered
        (``DELIVERED``, or a refusal of that one message)
    :param failure: ``None`` when the broker answered every published message, else
        the ``SendResult`` of what went wrong (connection lost, timeout...): the
        events without an answer take it
    :param duration: seconds the send took
    """
    per_event, stopped = {}, set()
    for event_id, _text, key in events:
        outcome = answered.get(event_id)
        if key in stopped or outcome is None:
            stopped.add(key)
            if failure is None:
                per_event[event_id] = waits()
            continue
        per_event[event_id] = outcome
        if outcome.outcome != DELIVERED:
            stopped.add(key)
    if failure is None:
        return SendResult(DELIVERED, per_event=per_event, duration=duration)
    failure.per_event = per_event
    failure.duration = duration
    return failure
