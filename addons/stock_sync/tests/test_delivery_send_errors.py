"""Problems on our side of the wire: a bad URL, a bug while sending, what errors may show."""

from unittest.mock import patch

from odoo.tests import tagged

from ..services.http_transport import HttpTransport
from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliverySendErrors(OutboxDeliveryCase):
    def test_url_that_is_not_http_written_behind_the_orm(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_endpoint SET url = 'ftp://wms/in' WHERE id = %s", (self.endpoint.id,)
        )
        self.env.invalidate_all()
        self.dispatch()
        # The address is the endpoint's problem: the event waits, no attempt counts.
        self.assertRecordValues(
            delivery, [{"state": "failed", "error_class": "config", "attempts": 0}]
        )
        self.assertIn("http:// or https://", delivery.error_message)
        self.assertFalse(self.receiver.requests)
        self.assertIn("refuses our requests", self.endpoint.activity_ids[0].summary)

    def test_an_unexpected_error_while_sending_is_recorded_not_lost(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        with (
            patch.object(HttpTransport, "send", side_effect=RuntimeError("bug")),
            self.assertLogs("odoo.addons.stock_sync.models.stock_sync_dispatcher", "ERROR"),
        ):
            self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "internal"}])
        self.assertIn("see the traceback", delivery.error_message)
        self.assertIn("RuntimeError: bug", delivery.error_traceback)
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")

    def test_errors_name_the_host_but_never_the_path_or_query(self):
        self.endpoint.url = self.receiver.url + "?token=TOPSECRET123"
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.go_down()
        try:
            with self.assertLogs("odoo.addons.stock_sync", "WARNING") as logs:
                self.dispatch()
        finally:
            self.receiver.come_up()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "connection"}])
        self.assertIn("http://127.0.0.1:", delivery.error_message)
        for text in [delivery.error_message, *logs.output]:
            self.assertNotIn("TOPSECRET123", text)
            self.assertNotIn("/events", text)
