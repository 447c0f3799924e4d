"""What the connectors' tests share: a backend on a live simulator, and an endpoint through it.

``BackendCase`` is the base of the REST (``WmsCase``) and SOAP (``MesCase``)
connectors' test cases: each starts its simulator and creates its backend
with ``create_backend``. The webhook tests need Odoo's server
(``HttpCase``): the simulator POSTs to it as the remote system would.
Inbound events are applied as the backend's technical user by the apply
cron, called here directly (``apply``).
"""

from unittest.mock import patch

import requests

from odoo import Command
from odoo.tests import HttpCase
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.common import StockSyncCase


class BackendCase(StockSyncCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inbound_user = cls.env.ref("stock_sync_connector.user_connector_inbound")

    @classmethod
    def create_backend(cls, name, kind, base_url):
        """The backend under test: API key ``sim-key``, 2 s timeouts, no rate limit, 8 KiB bodies."""
        return cls.env["stock.sync.backend"].create(
            {
                "name": name,
                "kind": kind,
                "base_url": base_url,
                "auth_type": "api_key",
                "api_key": "sim-key",
                "connect_timeout": 2.0,
                "read_timeout": 2.0,
                "rate_limit": 0,
                "max_body_kb": 8,
                "alert_user_id": cls.stock_manager.id,
            }
        )

    def setUp(self):
        super().setUp()
        # Odoo's harness stretches short timeouts and only takes plain numbers;
        # these tests need the client's real behaviour against the simulator.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))

    # -- helpers ------------------------------------------------------------
    def apply(self):
        """Run the apply cron as Odoo would after commit; return the events applied."""
        self.env.flush_all()
        self.env.invalidate_all()
        applied = self.env["stock.sync.inbound"]._cron_apply()
        self.env.invalidate_all()
        return applied

    def inbound(self, external_id=None):
        """The backend's inbound events (those of ``external_id`` if given), oldest first."""
        domain = [("backend_id", "=", self.backend.id)]
        if external_id:
            domain.append(("external_id", "=", external_id))
        self.env.invalidate_all()
        return self.env["stock.sync.inbound"].search(domain, order="id")

    def on_hand(self, product, location=None):
        """``product``'s quantity on hand in ``location`` (default: WH/Stock)."""
        return product.with_context(location=(location or self.stock).id).qty_available


class OutboundMixin:
    """An outbox endpoint sending through the test backend (``backend_endpoint``).

    Mixed in before a ``BackendCase`` by a connector's outbound tests, which
    name the endpoint (``endpoint_name``). The base class's plain webhook
    endpoint is switched off.
    """

    endpoint_name = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend_endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": cls.endpoint_name,
                "transport": cls.backend.kind,
                "backend_id": cls.backend.id,
                "cadence_bulk": "realtime",
                "secret_ids": [Command.create({})],
            }
        )
        cls.endpoint.active = False  # the base class's plain webhook endpoint

    def deliveries(self, picking):
        """The deliveries of ``picking``'s events to the backend's endpoint."""
        return self.events_of(picking).delivery_ids.filtered(
            lambda d: d.endpoint_id == self.backend_endpoint
        )
