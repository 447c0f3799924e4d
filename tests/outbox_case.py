"""Shared set-up for tests that deliver events to the simulated receiver."""

from unittest.mock import patch

import requests

from odoo import fields
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.common import StockSyncCase
from odoo.addons.stock_sync.tests.webhook_receiver import WebhookReceiver


class OutboxDeliveryCase(StockSyncCase):
    """The dispatcher opens its own cursors; test mode makes them share the test's transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = cls.endpoint.secret_ids.secret
        cls.receiver = WebhookReceiver(secrets=[cls.secret]).start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.endpoint.write({"url": cls.receiver.url, "timeout": 2.0, "cadence_bulk": "realtime"})

    def setUp(self):
        super().setUp()
        self.receiver.reset()
        self.receiver.set_secrets([self.secret])
        # Odoo's test harness stretches short timeouts to 10 s and cannot take
        # (connect, read) tuples; these tests need the real client behaviour
        # against the loopback receiver.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)

    def dispatch(self, budget=10):
        sent = self.env["stock.sync.dispatcher"]._cron_dispatch(time_budget=budget)
        self.env.invalidate_all()
        return sent

    def make_due(self, deliveries=None):
        """Let time pass: retries and rests are due now."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET next_attempt_at = %s WHERE state = 'failed'",
            (fields.Datetime.now(),),
        )
        self.env.cr.execute("UPDATE stock_sync_endpoint SET paused_until = NULL")
        self.env.invalidate_all()
