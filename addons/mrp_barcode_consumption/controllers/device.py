# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The device endpoint: handhelds and MES terminals that do not run the web client.

A thin door to ``mrp.production.consume_scan`` / ``undo_last_scan``: it
authenticates (Odoo 18 ``auth='bearer'``: the user's API key), checks the Shop
Floor Operator group, bounds the body and the rate per device, checks the shape
of the JSON, and maps the service's answer code to an HTTP status
(``services/scan_codes.CODES``). Every business rule lives in the service.

Errors raised before this code runs (a missing or wrong key, 401) are turned into
the same JSON body by ``ir.http._handle_error`` (``models/ir_http.py``).
"""

import json
import logging

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from ..services.retrying import scan_with_retry
from ..services.scan_codes import http_status
from .rate_limit import TokenBucketLimiter, retry_after_header

_logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/mrp_barcode_consumption/v1/"
OPERATOR_GROUP = "mrp_barcode_consumption.group_shop_floor_operator"

#: ir.config_parameter keys and defaults
PARAM_MAX_BODY = "mrp_barcode_consumption.device_max_body_bytes"
DEFAULT_MAX_BODY = 4096  # a scan is about 200 bytes
PARAM_RATE = "mrp_barcode_consumption.device_scans_per_minute"
DEFAULT_RATE = 120  # two a second, sustained; a burst of 120

#: codes of the endpoint itself (transport), next to the service's codes
TRANSPORT_CODES = {
    "bad_json": 400,
    "bad_field": 400,
    "missing_field": 400,
    "unknown_field": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "length_required": 411,
    "body_too_large": 413,
    "refused": 422,
    "rate_limited": 429,
}

_STR_OR_ID = (str, int)
_NUMBER_OR_STR = (int, float, str)
#: field -> (accepted JSON types, required, maximum length of a string)
SCAN_FIELDS = {
    "barcode": ((str,), True, 256),
    "production": (_STR_OR_ID, False, 128),
    "quantity": (_NUMBER_OR_STR, False, 32),
    "uom": (_STR_OR_ID, False, 128),
    "location": (_STR_OR_ID, False, 256),
    "device_id": ((str,), True, 64),
    "scan_id": ((str,), True, 64),
}
UNDO_FIELDS = {
    "production": (_STR_OR_ID, True, 128),
    "device_id": ((str,), True, 64),
    "scan_id": ((str,), True, 64),
}

limiter = TokenBucketLimiter()


class EndpointError(Exception):
    """A refusal of the endpoint itself: answered as ``{"ok": false, code, message}``."""

    def __init__(self, code, message, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code, message):
    """The machine-readable error body every refusal of the endpoint carries."""
    return {"ok": False, "code": code, "message": message}


def json_response(body, status, headers=None):
    return request.make_json_response(body, headers=list((headers or {}).items()), status=status)


class DeviceEndpoint(http.Controller):
    """``POST /mrp_barcode_consumption/v1/scan`` and ``.../v1/undo``."""

    @http.route(
        ROUTE_PREFIX + "scan",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def scan(self):
        """Consume a scanned component.

        Body (JSON object): ``barcode`` (required), ``production`` (id or name),
        ``quantity``, ``uom``, ``location``, ``device_id`` (required),
        ``scan_id`` (required, the idempotency key: send the same one on a retry).
        Answer: the service's structured result, HTTP status from its code.
        """
        return self._serve(SCAN_FIELDS, "consume_scan")

    @http.route(
        ROUTE_PREFIX + "undo",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def undo(self):
        """Undo the last accepted scan of a manufacturing order.

        Body (JSON object): ``production`` (id or name, required), ``device_id``
        and ``scan_id`` (required).
        """
        return self._serve(UNDO_FIELDS, "undo_last_scan")

    # ------------------------------------------------------------ steps
    def _serve(self, fields, method):
        try:
            self._check_operator()
            payload = self._read_json()
            values = self._check_fields(payload, fields)
            self._check_rate(values["device_id"])
        except EndpointError as refusal:
            _logger.info(
                "device endpoint %s: %s (user %s): %s",
                request.httprequest.path,
                refusal.code,
                request.env.uid,
                refusal.message,
            )
            return json_response(
                error_body(refusal.code, refusal.message),
                TRANSPORT_CODES[refusal.code],
                refusal.headers,
            )
        return self._call_service(method, values)

    def _check_operator(self):
        user = request.env.user
        if not user.has_group(OPERATOR_GROUP):
            raise EndpointError(
                "forbidden",
                f"User {user.login} is not a Shop Floor Operator: an administrator adds "
                "them to the group Manufacturing / Shop Floor Operator.",
            )

    def _param_int(self, key, default):
        # sudo: the operator may not read ir.config_parameter; only these two keys
        value = request.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return int(value) if value not in (None, False, "") else default
        except ValueError:
            _logger.warning("%s=%r is not a whole number: using %s", key, value, default)
            return default

    def _read_json(self):
        limit = self._param_int(PARAM_MAX_BODY, DEFAULT_MAX_BODY)
        too_large = EndpointError(
            "body_too_large",
            f"The body is larger than {limit} bytes: send one scan per request.",
        )
        httprequest = request.httprequest
        declared = httprequest.content_length
        if declared is None and httprequest.headers.get("Transfer-Encoding"):
            # a chunked body would be read whole before its size is known
            raise EndpointError(
                "length_required", "Send the body with a Content-Length header, not chunked."
            )
        if declared is not None and declared > limit:
            raise too_large
        # werkzeug reads at most Content-Length bytes (kept: a retried request reads it again)
        raw = httprequest.get_data()
        if not raw.strip():
            raise EndpointError("bad_json", "The body is empty: send a JSON object.")
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise EndpointError("bad_json", f"The body is not valid JSON: {error}.")
        if not isinstance(payload, dict):
            raise EndpointError("bad_json", "The body must be a JSON object.")
        return payload

    def _check_fields(self, payload, fields):
        unknown = sorted(set(payload) - set(fields))
        if unknown:
            raise EndpointError(
                "unknown_field",
                f"Unknown field(s) {', '.join(unknown)}: the accepted fields are "
                f"{', '.join(fields)}.",
            )
        values = {}
        for name, (types, required, max_length) in fields.items():
            value = payload.get(name)
            if value is None or value == "":
                if required:
                    raise EndpointError("missing_field", f"The field '{name}' is required.")
                continue
            # bool is an int in Python, never a valid id, quantity or text here
            if isinstance(value, bool) or not isinstance(value, types):
                names = " or ".join(
                    {str: "a string", int: "an integer", float: "a number"}[t] for t in types
                )
                raise EndpointError("bad_field", f"The field '{name}' must be {names}.")
            if isinstance(value, str) and len(value) > max_length:
                raise EndpointError(
                    "bad_field", f"The field '{name}' is longer than {max_length} characters."
                )
            values[name] = value
        return values

    def _check_rate(self, device_id):
        per_minute = self._param_int(PARAM_RATE, DEFAULT_RATE)
        key = (request.db, request.env.uid, device_id)
        wait = limiter.acquire(key, per_minute)
        if wait:
            retry_after = retry_after_header(wait)
            raise EndpointError(
                "rate_limited",
                f"Device {device_id} sent more than {per_minute} requests a minute: "
                f"retry in {retry_after} s with the same scan_id.",
                headers={"Retry-After": retry_after},
            )

    def _call_service(self, method, values):
        try:
            # bounded retries on PostgreSQL concurrency errors, then code "retry"
            # (409): this request's transaction holds nothing but the scan
            result = scan_with_retry(request.env, method, **values)
        except AccessError as error:
            code, message = "forbidden", error.args[0]
        except MissingError as error:
            code, message = "not_found", error.args[0]
        except UserError as error:
            code, message = "refused", error.args[0]
        else:
            status = 200 if result.get("ok") else http_status(result.get("code"))
            return json_response(result, status)
        # an unexpected refusal raised by the service: nothing of it is kept (the
        # service's own answers, scan log rows included, commit with the request)
        request.env.cr.rollback()
        _logger.warning("device endpoint %s: %s: %s", method, code, message)
        return json_response(error_body(code, message), TRANSPORT_CODES[code])
