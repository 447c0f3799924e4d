"""The MES SOAP transport: each event of a batch as one SOAP call to the MES.

Registered in ``stock_sync``'s transport seam under the backend kind's key,
so an outbox endpoint that sends through an MES backend keeps the engine's
retries, parking, dead letters and KPIs. Events go one by one, in key order,
each with its event id as ``EventId`` (the MES answers a repeat
``Duplicate``). An event the MES refuses for good (a ``Client`` SOAP fault,
``Accepted`` false, a missing cross-reference) stops its key only; a failure
of the MES itself (timeout, connection, HTTP 5xx, a ``Server`` fault, an
invalid answer, credentials, its WSDL) stops the batch.
"""

import time

from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    DELIVERED,
    HTTP_4XX,
    INVALID_RESPONSE,
    REFUSED,
    RETRY,
    SendResult,
    register,
)
from odoo.addons.stock_sync_connector.services.one_by_one import OneByOneTransport, send_each

from .soap_client import MesError, client_for
from .soap_mapping import MappingError, to_call

KIND = "mes_soap"


@register
class MesSoapTransport(OneByOneTransport):
    key = KIND
    system = "MES"

    def __init__(self, context=None, soap_address=None):
        super().__init__(context)
        self.soap_address = soap_address

    def send(self, batch):
        """Call the MES once per event; return per-event results (``transport.SendResult``)."""
        started = time.monotonic()
        if self.context is None:
            return self.no_backend()
        try:
            client = client_for(self.context.config, self.soap_address)
        except MesError as exc:
            return self._failure(exc, started)
        return send_each(batch.events, lambda event: self._send_one(client, event), started)

    def _send_one(self, client, event):
        started = time.monotonic()
        try:
            operation, arguments = to_call(event, self.context)
        except MappingError as exc:
            return SendResult(REFUSED, error_class=CONFIG, error=str(exc))
        try:
            answer = client.call(operation, **arguments)
        except MesError as exc:
            return self._failure(exc, started)
        duration = time.monotonic() - started
        accepted = getattr(answer, "Accepted", None)
        if accepted is None:
            return SendResult(
                RETRY,
                error_class=INVALID_RESPONSE,
                error=f"The MES's answer to {operation} has no Accepted flag.",
                duration=duration,
            )
        if not accepted:
            return SendResult(
                REFUSED,
                status_code=200,
                error_class=HTTP_4XX,
                error=f"The MES did not accept {operation}: {answer.Message or 'no reason given'}",
                duration=duration,
            )
        excerpt = "duplicate" if getattr(answer, "Duplicate", False) else "accepted"
        return SendResult(DELIVERED, status_code=200, excerpt=excerpt, duration=duration)

    @staticmethod
    def _failure(exc, started):
        return SendResult(
            RETRY if exc.retryable and not exc.endpoint_problem else REFUSED,
            status_code=exc.status,
            error_class=exc.error_class,
            error=str(exc),
            endpoint_problem=exc.endpoint_problem,
            duration=time.monotonic() - started,
        )
