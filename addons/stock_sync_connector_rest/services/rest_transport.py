"""The REST WMS transport: each event of a batch POSTed to the WMS's API.

Registered in ``stock_sync``'s transport seam under the backend kind's key,
so an outbox endpoint that sends through a REST backend keeps the engine's
retries, parking, dead letters and KPIs. Events go one by one, in key order,
each with its event id as ``Idempotency-Key`` (the WMS drops a repeat), and
the WMS acknowledges each. An event the WMS refuses (HTTP 4xx about its
content, or a missing cross-reference) stops its key only; a failure of the
WMS itself (timeout, connection, 5xx, credentials) stops the batch.
"""

import time

import requests

from odoo.addons.stock_sync.services import http_transport
from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    CONNECTION,
    INVALID_RESPONSE,
    REFUSED,
    RETRY,
    TIMEOUT,
    SendResult,
    register,
)
from odoo.addons.stock_sync_connector.services.backend_config import AuthError
from odoo.addons.stock_sync_connector.services.one_by_one import OneByOneTransport, send_each

from .rest_client import RestClient
from .rest_mapping import MappingError, to_request

KIND = "wms_rest"


@register
class RestWmsTransport(OneByOneTransport):
    key = KIND
    system = "REST"

    def send(self, batch):
        """POST each event; return per-event results (see ``transport.SendResult``)."""
        if self.context is None:
            return self.no_backend()
        client = RestClient(self.context.config)
        started = time.monotonic()
        return send_each(batch.events, lambda event: self._send_one(client, event), started)

    def _send_one(self, client, event):
        started = time.monotonic()
        try:
            path, body = to_request(event, self.context)
        except MappingError as exc:
            return SendResult(REFUSED, error_class=CONFIG, error=str(exc))
        try:
            response = client.request(
                "POST", path, json_body=body, headers={"Idempotency-Key": event["id"]}
            )
        except AuthError as exc:
            return SendResult(REFUSED, error_class=CONFIG, error=str(exc), endpoint_problem=True)
        except requests.Timeout:
            return SendResult(
                RETRY,
                error_class=TIMEOUT,
                error=f"No answer from {self.describe_address(self.context.config.base_url)} "
                f"within {self.context.config.read_timeout:g} s.",
                duration=time.monotonic() - started,
            )
        except requests.ConnectionError as exc:
            return SendResult(
                RETRY,
                error_class=CONNECTION,
                error=http_transport._describe(exc, self.context.config.base_url),
                duration=time.monotonic() - started,
            )
        except requests.RequestException as exc:
            return SendResult(
                RETRY,
                error_class=INVALID_RESPONSE,
                error=http_transport._describe(exc, self.context.config.base_url),
                duration=time.monotonic() - started,
            )
        return http_transport.classify_response(
            response, time.monotonic() - started, response.text[: http_transport.EXCERPT_LENGTH]
        )
