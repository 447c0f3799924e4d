from odoo import http

from odoo.addons.stock_sync_connector.controllers.webhook import serve_signed_webhook


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
        return serve_signed_webhook(backend_id, "_lims_webhook_backend", "_lims_receive", "LIMS")
