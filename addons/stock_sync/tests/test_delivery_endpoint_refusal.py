"""A receiver that refuses everything is an endpoint problem: events wait, nobody dies.

The field failure behind this file: a receiver verifies signatures with the
official Standard Webhooks library and answers 400 when none verifies, as the
library's and Svix's receiver examples do. Taken as a refusal of each event,
one dispatch run left 50 dead letters and 150 parked events.
"""

from odoo import Command
from odoo.tests import tagged

from ..services import webhook_signature
from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryEndpointRefusal(OutboxDeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {"name": f"Resin {i:02d}", "default_code": f"RES-{i:02d}", "is_storable": True}
                for i in range(50)
            ]
        )

    def setUp(self):
        super().setUp()
        self.receiver.signature_failure_status = 400
        self.addCleanup(setattr, self.receiver, "signature_failure_status", 401)

    def _receive_each(self, products, rounds):
        deliveries = self.env["stock.sync.delivery"]
        for qty in range(1, rounds + 1):
            picking = self.receive([(product, qty) for product in products])
            deliveries |= self.events_of(picking).delivery_ids
        return deliveries

    def _summaries(self):
        return " | ".join(self.endpoint.activity_ids.mapped("summary"))

    def test_unverifiable_signature_answered_400_costs_no_attempt_and_kills_nothing(self):
        deliveries = self._receive_each(self.products, 4)
        self.assertEqual(len(deliveries), 200)
        # A new secret signs first; the receiver knows another one entirely.
        self.endpoint.with_user(self.sync_manager).action_generate_secret()
        self.receiver.set_secrets([webhook_signature.generate_secret()])
        self.dispatch()
        states = deliveries.mapped("state")
        self.assertEqual(states.count("dead"), 0, "no event dies of the endpoint's problem")
        self.assertEqual(states.count("parked"), 0)
        self.assertEqual(set(deliveries.mapped("attempts")), {0}, "no attempt is counted")
        self.assertTrue(self.endpoint.paused_until, "the endpoint rests instead")
        self.assertIn("refuses our requests", self._summaries())
        note = self.endpoint.activity_ids[0].note
        self.assertIn("HTTP 400", note, "the alert says what the receiver answered")
        self.assertTrue(all(r["status"] == 400 for r in self.receiver.requests))
        self.assertLessEqual(len(self.receiver.requests), 3, "one batch and two probes, no more")
        # The subscriber learns the new secret: everything leaves, nobody acted.
        self.receiver.set_secrets(self.endpoint.secret_ids.mapped("secret"))
        self.make_due()
        self.dispatch()
        self.assertEqual(set(deliveries.mapped("state")), {"delivered"})
        self.assertEqual(len(self.receiver.unique_events()), 200)
        self.assertEqual(self.receiver.order_violations, [])
        self.assertEqual(self.endpoint.problem_streak, 0)
        self.assertOutboxMatchesStockLedger(products=self.products, endpoint=self.endpoint)

    def test_a_key_refused_alone_is_revived_when_others_are_refused_alike(self):
        self.receiver.set_secrets([webhook_signature.generate_secret()])
        # One product only: nothing tells the endpoint from the event yet.
        first = self._receive_each(self.products[:1], 3)
        self.dispatch()
        self.assertEqual(first.mapped("state"), ["dead", "parked", "parked"])
        # Two other products are refused alike: it was the endpoint all along.
        others = self._receive_each(self.products[1:3], 1)
        self.make_due()
        self.dispatch()
        self.assertNotIn("dead", (first | others).mapped("state"))
        self.assertIn("refuses our requests", self._summaries())
        self.receiver.set_secrets([self.secret])
        self.make_due()
        self.dispatch()
        self.assertEqual(set((first | others).mapped("state")), {"delivered"})
        self.assertEqual(self.receiver.order_violations, [])

    def test_a_dead_letter_after_an_endpoint_problem_has_its_own_alert(self):
        self.receiver.set_behaviour("status", status=401, times=1)
        waiting = self._receive_each(self.products[:2], 1)
        self.dispatch()
        self.assertEqual(set(waiting.mapped("state")), {"failed"})
        self.assertIn("refuses our requests", self._summaries())
        # Later, one event is refused for good on its own: that is a dead letter.
        self.make_due()
        self.receiver.set_behaviour("status", status=422, body=b"unknown SKU RES-00", times=2)
        self.dispatch()
        self.assertEqual(waiting.mapped("state"), ["dead", "delivered"])
        self.assertIn("Dead inventory events", self._summaries())
        dead_note = self.endpoint.activity_ids.filtered(
            lambda a: "Dead" in a.summary
        )[0].note
        self.assertIn("HTTP 422", dead_note)

    def test_no_secret_or_a_bad_address_waits_as_an_endpoint_problem(self):
        delivery = self._receive_each(self.products[:1], 1)
        self.endpoint.secret_ids.active = False
        self.dispatch()
        self.assertRecordValues(
            delivery, [{"state": "failed", "error_class": "config", "attempts": 0}]
        )
        self.assertIn("no active secret", delivery.error_message)
        self.endpoint.secret_ids = [Command.create({"secret": self.secret})]
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")
