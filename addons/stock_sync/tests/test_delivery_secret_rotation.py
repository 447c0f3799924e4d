"""A secret is rotated while events are on their way: both sign, then only the new one."""

from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliverySecretRotation(OutboxDeliveryCase):
    def test_secret_rotated_mid_flight(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        old = self.endpoint.secret_ids
        self.endpoint.with_user(self.sync_manager).action_generate_secret()
        new = self.endpoint.secret_ids - old
        # During rotation both secrets sign: a receiver that knows either accepts.
        self.receiver.set_secrets([new.secret])
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")
        self.assertEqual(self.receiver.requests[-1]["signatures"], 2)
        # The old secret is retired: a receiver still on it refuses every batch.
        # That is the endpoint's problem, not the events': they wait, the
        # batch is not split, and the managers are told.
        old.active = False
        self.receiver.set_secrets([old.secret])
        second = self.events_of(self.receive([(self.product, 1), (self.carton, 1)])).delivery_ids
        self.dispatch()
        self.assertRecordValues(
            second,
            [{"state": "failed", "status_code": 401, "send_alone": False}] * len(second),
        )
        self.assertIn("check its URL and secrets", second[0].error_message)
        self.assertIn(
            "refuses our requests", " ".join(self.endpoint.activity_ids.mapped("summary"))
        )
        self.receiver.set_secrets([new.secret])
        self.make_due()
        self.dispatch()
        self.assertRecordValues(second, [{"state": "delivered"}] * len(second))
