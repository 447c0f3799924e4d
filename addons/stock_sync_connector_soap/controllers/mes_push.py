from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..services import soap_push

XML = "text/xml; charset=utf-8"


class MesPushController(http.Controller):
    """One SOAP door per MES backend; the work is in ``stock.sync.backend``."""

    @http.route(
        "/inventory_sync/mes/<int:backend_id>/soap",
        type="http",
        auth="none",
        methods=["GET", "POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth='none' routes are read-only by default in Odoo 18
    )
    def soap(self, backend_id, **_params):
        # The Standard Webhooks signature, checked against the backend's secret, is
        # the authentication: until then, the superuser only finds the backend.
        env = request.env(user=SUPERUSER_ID)
        backend = env["stock.sync.backend"]._mes_soap_push_backend(backend_id)
        httprequest = request.httprequest
        if not backend:
            return request.make_response(
                soap_push.fault(f"No active MES backend {backend_id}: check the push URL."),
                headers=[("Content-Type", XML)],
                status=404,
            )
        if httprequest.method == "GET":
            # The WSDL is public, as the MES's own: it holds no secret.
            return request.make_response(backend._mes_soap_wsdl(), headers=[("Content-Type", XML)])
        limit = backend.max_body_kb * 1024
        declared = httprequest.content_length or 0
        # A declared length over the limit is refused unread; a chunked body is read
        # within Odoo's own request limit, then measured.
        body = b"" if declared > limit else httprequest.get_data(cache=False)
        status, answer = backend._mes_soap_receive(
            headers=dict(httprequest.headers),
            body=body,
            too_large=declared > limit or len(body) > limit,
        )
        return request.make_response(answer, headers=[("Content-Type", XML)], status=status)
