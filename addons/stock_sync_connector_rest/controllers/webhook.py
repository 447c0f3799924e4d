from odoo import http

from odoo.addons.stock_sync_connector.controllers.webhook import serve_signed_webhook


class WmsWebhookController(http.Controller):
    """One webhook URL per REST backend; the work is in ``stock.sync.backend``."""

    @http.route(
        "/inventory_sync/wms/<int:backend_id>/events",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,  # auth='none' routes are read-only by default in Odoo 18
    )
    def receive(self, backend_id, **_params):
        return serve_signed_webhook(
            backend_id, "_wms_rest_webhook_backend", "_wms_rest_receive", "REST"
        )
