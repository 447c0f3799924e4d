"""A batch sent event by event, in key order: what the REST and SOAP transports share.

``OneByOneTransport`` is their base (a backend's HTTP service, its address
checked and shown as an HTTP URL); ``send_each`` sends a batch.

Each event is sent by itself and answered by itself. An event the remote
system refuses for good stops its key only (the later events of its product
wait, so the remote system never sees an event before an earlier one of its
product); a failure of the remote system itself stops the batch.
"""

import json
import time

from odoo.addons.stock_sync.services import http_transport
from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    DELIVERED,
    REFUSED,
    RETRY,
    SendResult,
    Transport,
)


class OneByOneTransport(Transport):
    """Base of the transports that send each event by itself to a backend's HTTP service.

    ``context`` is the backend's transport context (``None``: the endpoint has
    no backend); ``system`` names the kind of backend in that refusal.
    """

    system = None

    def __init__(self, context=None):
        self.context = context

    @classmethod
    def check_address(cls, address):
        return http_transport.check_url(address)

    @classmethod
    def describe_address(cls, address):
        return http_transport._where(address)

    def no_backend(self):
        """The result of a batch for an endpoint without a backend."""
        return SendResult(
            REFUSED,
            error_class=CONFIG,
            error=f"This endpoint has no backend: choose the {self.system} backend it sends through.",
            endpoint_problem=True,
        )


def send_each(events, send_one, started):
    """Send ``events`` one by one with ``send_one``; return the batch's ``SendResult``.

    :param events: the batch's ``[(event id, JSON text)]``, in key order
    :param send_one: ``send_one(event)`` sends one event (a dict) and returns its
        ``SendResult``; a ``RETRY`` or an endpoint problem stops the batch
    :param started: ``time.monotonic()`` when the send began, for the duration
    """
    per_event, stopped_keys = {}, {}
    for event_id, text in events:
        event = json.loads(text)
        key = event.get("partitionkey")
        if key in stopped_keys:
            per_event[event_id] = stopped_keys[key]
            continue
        result = send_one(event)
        if result.outcome == RETRY or result.endpoint_problem:
            # The remote system is down, unwell or refuses us: what was not sent waits,
            # as a batch (the engine splits a batch that keeps failing, so one poison
            # event cannot hold the others for long).
            result.per_event = dict(per_event)
            result.duration = time.monotonic() - started
            return result
        per_event[event_id] = result
        if result.outcome != DELIVERED:
            stopped_keys[key] = SendResult(
                RETRY,
                error_class=result.error_class,
                error="Waits for an earlier event of the same product, not delivered.",
            )
    return SendResult(DELIVERED, per_event=per_event, duration=time.monotonic() - started)
