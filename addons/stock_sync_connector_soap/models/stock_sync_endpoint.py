from odoo import fields, models

from odoo.addons.stock_sync.services import transport


class StockSyncEndpoint(models.Model):
    _inherit = "stock.sync.endpoint"

    transport = fields.Selection(
        selection_add=[("mes_soap", "MES over SOAP (through a backend)")],
        ondelete={"mes_soap": "set default"},
    )

    def _transport(self):
        """The MES transport also needs the backend's service address (its WSDL's otherwise)."""
        self.ensure_one()
        if self.backend_id and self.transport == "mes_soap":
            return transport.get(self.transport)(
                self.backend_id._transport_context(), self.backend_id.soap_address or None
            )
        return super()._transport()
