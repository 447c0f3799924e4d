from odoo import SUPERUSER_ID, http
from odoo.http import request

from odoo.addons.stock_sync_connector.services.webhook_request import read_body


class LimsWebhookController(http.Controller):
    """One disposition URL per LIMS backend; the work is in ``stock.sync.backend``."""

    @http.route(
        "/inventory_sync/lims/<int:backend_id>/dispositions",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth='none' routes are read-only by default in Odoo 18
    )
    def receive(self, backend_id, **_params):
        # The Standard Webhooks signature, checked against the backend's secret, is
        # the authentication: until then, the superuser only finds the backend.
        env = request.env(user=SUPERUSER_ID)
        backend = env["stock.sync.backend"]._lims_webhook_backend(backend_id)
        if not backend:
            return request.make_json_response(
                {
                    "status": "rejected",
                    "error": f"No active LIMS backend {backend_id}: check the webhook URL.",
                },
                status=404,
            )
        httprequest = request.httprequest
        body, too_large = read_body(httprequest, backend.max_body_kb * 1024)
        status, answer = backend._lims_receive(
            headers=dict(httprequest.headers),
            body=body,
            content_type=httprequest.mimetype,
            too_large=too_large,
        )
        return request.make_json_response(answer, status=status)
