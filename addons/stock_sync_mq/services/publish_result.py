"""What both broker transports report: per event, in key order (``transport.SendResult``).

A broker acknowledges each message (an MQTT PUBACK, an AMQP confirm). What
it acknowledged is delivered; the first event of a key it did not
acknowledge stops that key: the later ones of the key wait, so that a
receiver never sees an event before an earlier one of its product.
"""

import json

from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    DELIVERED,
    REFUSED,
    RETRY,
    SendResult,
    Transport,
)

from .broker_settings import BrokerAddressError, parse_address


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
    # One result object per outcome shared by its events: the engine records the
    # events of one result together (one UPDATE), not one by one.
    result = SendResult(DELIVERED, duration=duration) if failure is None else failure
    delivered = result if failure is None else SendResult(DELIVERED, duration=duration)
    waiting = waits()
    per_event, stopped = {}, set()
    for event_id, _text, key in events:
        outcome = answered.get(event_id)
        if key in stopped or outcome is None:
            stopped.add(key)
            if failure is None:
                per_event[event_id] = waiting
            continue
        if outcome.outcome == DELIVERED:
            outcome = delivered
        per_event[event_id] = outcome
        if outcome.outcome != DELIVERED:
            stopped.add(key)
    result.per_event = per_event
    result.duration = duration
    return result


class BrokerTransport(Transport):
    """What the MQTT and AMQP transports share: settings, addresses, pools, refusals.

    A subclass sets ``key`` (``MQTT`` or ``AMQP``) and ``drop`` (its pool's
    ``drop(key_prefix)``) and implements ``send``.
    """

    drop = None

    def __init__(self, settings=None):
        self.settings = settings

    @classmethod
    def check_address(cls, address):
        try:
            parse_address(address, cls.key)
        except BrokerAddressError as exc:
            return str(exc)
        return None

    @classmethod
    def describe_address(cls, address):
        try:
            return parse_address(address).describe()
        except BrokerAddressError:
            return "a malformed broker address"

    @classmethod
    def forget(cls, endpoint_key):
        cls.drop(endpoint_key)

    def no_backend(self):
        """The refusal of an endpoint without a backend: its events wait, managers are told."""
        return SendResult(
            REFUSED,
            error_class=CONFIG,
            endpoint_problem=True,
            error=f"This endpoint has no broker backend: choose the {self.key.upper()} backend "
            "it sends through.",
        )

    def too_large(self, body):
        """The refusal of one message larger than the backend's limit, else ``None``."""
        if len(body) <= self.settings.max_bytes:
            return None
        return SendResult(
            REFUSED,
            error_class=CONFIG,
            error=f"The event is {len(body)} bytes, more than the backend's limit of "
            f"{self.settings.max_bytes} bytes for a message.",
        )

    @staticmethod
    def keyed(batch):
        """The batch's events as ``[(event id, JSON text, partition key)]``.

        The keys the engine claimed the events with (``batch.partition_keys``):
        parsing every event's JSON for its key cost a good part of a publish.
        A batch built without them has each event's JSON read for its key.
        """
        keys = getattr(batch, "partition_keys", None)
        if keys is None or len(keys) != len(batch.events):
            return [(event_id, text, partition_key(text)) for event_id, text in batch.events]
        return [
            (event_id, text, key) for (event_id, text), key in zip(batch.events, keys, strict=True)
        ]
