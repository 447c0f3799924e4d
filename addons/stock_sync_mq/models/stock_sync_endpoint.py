from odoo import fields, models

from odoo.addons.stock_sync.services import transport

from ..services.broker_settings import AMQP, MQTT

MQ_TRANSPORTS = (MQTT, AMQP)


class StockSyncEndpoint(models.Model):
    """An endpoint may publish to a broker: its backend holds the broker's settings."""

    _inherit = "stock.sync.endpoint"

    transport = fields.Selection(
        selection_add=[
            (MQTT, "MQTT broker (through a backend)"),
            (AMQP, "AMQP 0-9-1 broker (through a backend)"),
        ],
        ondelete={MQTT: "set default", AMQP: "set default"},
    )

    def _transport(self):
        """The broker transport, given its backend's settings and the endpoint's secrets.

        Without a backend the transport answers a configuration problem: the
        events wait and managers are told, nothing is lost.
        """
        self.ensure_one()
        if self.transport not in MQ_TRANSPORTS:
            return super()._transport()
        settings = None
        if self.backend_id:
            settings = self.backend_id._mq_settings(secrets=tuple(self._active_secrets()))
        return transport.get(self.transport)(settings)
