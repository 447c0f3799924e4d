# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import SessionExpiredException, request

from ..controllers.device import ROUTE_PREFIX, error_body

_logger = logging.getLogger(__name__)

UNAUTHORIZED_MESSAGE = (
    "Missing or invalid API key: send the header 'Authorization: Bearer <key>' with "
    "an API key of a Shop Floor Operator (Preferences > Account Security > New API Key)."
)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """Errors of the device endpoint raised before its code runs (authentication
        by ``auth='bearer'``, Odoo's own request checks) get the endpoint's JSON
        error body instead of an HTML page; everything else as usual."""
        if not request.httprequest.path.startswith(ROUTE_PREFIX):
            return super()._handle_error(exception)
        headers = []
        if isinstance(exception, werkzeug.exceptions.Unauthorized | SessionExpiredException):
            status, code, message = 401, "unauthorized", UNAUTHORIZED_MESSAGE
            headers.append(("WWW-Authenticate", "Bearer"))
        elif isinstance(exception, AccessDenied | AccessError):
            status, code, message = 403, "forbidden", str(exception.args[0])
        elif isinstance(exception, werkzeug.exceptions.RequestEntityTooLarge):
            status, code, message = 413, "body_too_large", "The body is too large."
        elif isinstance(exception, werkzeug.exceptions.HTTPException) and exception.code:
            status = exception.code
            code = exception.name.lower().replace(" ", "_")
            message = exception.description or exception.name
        else:
            status, code = 500, "internal_error"
            message = "Internal error: the server log has the details; retry with the same scan_id."
        _logger.info(
            "device endpoint %s from %s: HTTP %s %s",
            request.httprequest.path,
            request.httprequest.remote_addr,
            status,
            code,
        )
        return request.make_json_response(error_body(code, message), headers, status=status)
