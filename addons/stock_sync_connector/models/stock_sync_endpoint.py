from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.stock_sync.services import transport


class StockSyncEndpoint(models.Model):
    """An endpoint may send through a backend: its kind's transport, its credentials.

    The delivery engine keeps every guarantee (retries, parking, dead letters,
    KPIs); the backend's transport maps the events through its cross-references.
    """

    _inherit = "stock.sync.endpoint"

    backend_id = fields.Many2one(
        "stock.sync.backend",
        index="btree_not_null",
        tracking=True,
        help="Send through this external system's connector instead of a plain webhook.",
    )

    @api.onchange("backend_id")
    def _onchange_backend_id(self):
        if self.backend_id:
            self.url = self.backend_id.base_url

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("backend_id") and not vals.get("url"):
                vals["url"] = self.env["stock.sync.backend"].browse(vals["backend_id"]).base_url
        return super().create(vals_list)

    @api.constrains("backend_id", "transport", "company_id")
    def _check_backend(self):
        for endpoint in self.filtered("backend_id"):
            if endpoint.transport != endpoint.backend_id.kind:
                raise ValidationError(
                    _(
                        "Endpoint %(endpoint)s sends through backend %(backend)s: choose its "
                        "transport, %(kind)s.",
                        endpoint=endpoint.name,
                        backend=endpoint.backend_id.name,
                        kind=endpoint.backend_id.kind,
                    )
                )
            if endpoint.company_id and endpoint.company_id != endpoint.backend_id.company_id:
                raise ValidationError(
                    _("Endpoint %s and its backend belong to different companies.", endpoint.name)
                )

    def _transport(self):
        """The backend's transport, given the backend's settings and cross-references."""
        self.ensure_one()
        if not self.backend_id:
            return super()._transport()
        transport_class = transport.get(self.transport)
        return transport_class(self.backend_id._transport_context())
