import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request


def json_error(status, code, message):
    """A werkzeug exception whose response is our JSON error body."""
    response = request.make_json_response(
        {"error": {"code": code, "message": message}}, status=status
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    exc = werkzeug.exceptions.HTTPException(description=message, response=response)
    exc.code = status
    return exc


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_stock_sync_bearer(cls):
        """Odoo 18's ``auth='bearer'`` (API keys), answering JSON instead of HTML.

        Only the ``Authorization: Bearer <API key>`` header is accepted: no
        session cookie, so a browser cannot be made to call the API (CSRF).
        """
        header = request.httprequest.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise json_error(
                401,
                "missing_api_key",
                "Send an API key: header 'Authorization: Bearer <key>'. A user of the group "
                "'Inventory Sync / Availability API' creates one in his preferences.",
            )
        try:
            cls._auth_method_bearer()
        except (werkzeug.exceptions.Unauthorized, AccessDenied):
            raise json_error(
                401,
                "invalid_api_key",
                "This API key is unknown, revoked or expired: create a new one.",
            ) from None
