from odoo import SUPERUSER_ID
from odoo.http import request

from ..services.webhook_request import read_body


def serve_signed_webhook(backend_id, find, receive, what):
    """Answer a protocol module's signed-webhook POST for backend ``backend_id``.

    The Standard Webhooks signature, checked by the backend against its secret, is
    the authentication: until then, the superuser only finds the backend.

    :param int backend_id: from the URL.
    :param str find: the ``stock.sync.backend`` method that returns the active backend
        of that id and kind, or an empty recordset (e.g. ``"_lims_webhook_backend"``).
    :param str receive: the backend method that takes ``headers``, ``body``,
        ``content_type`` and ``too_large`` and returns ``(http status, JSON answer)``.
    :param str what: the backend kind in the 404 answer ("LIMS", "REST").
    :return: the JSON response; 404 ``{"status": "rejected", "error": ...}`` for an
        unknown or inactive backend.
    """
    env = request.env(user=SUPERUSER_ID)
    backend = getattr(env["stock.sync.backend"], find)(backend_id)
    if not backend:
        return request.make_json_response(
            {
                "status": "rejected",
                "error": f"No active {what} backend {backend_id}: check the webhook URL.",
            },
            status=404,
        )
    httprequest = request.httprequest
    body, too_large = read_body(httprequest, backend.max_body_kb * 1024)
    status, answer = getattr(backend, receive)(
        headers=dict(httprequest.headers),
        body=body,
        content_type=httprequest.mimetype,
        too_large=too_large,
    )
    return request.make_json_response(answer, status=status)
