"""One event that makes the receiver fail: only it dies, its neighbours are delivered."""

from http import HTTPStatus

from odoo.tests import tagged

from .common import OutboxDeliveryCase
from .webhook_receiver import WebhookReceiver, _Rejection


class PoisonedReceiver(WebhookReceiver):
    """Answers 500 to every batch holding an event about ``poison`` (a subject)."""

    poison = None

    def _parse(self, content_type, body):
        events = WebhookReceiver._parse(content_type, body)
        if any(event.get("subject") == self.poison for event in events):
            raise _Rejection(HTTPStatus.INTERNAL_SERVER_ERROR, "crash", "NullPointerException")
        return events


@tagged("post_install", "-at_install")
class TestDeliveryPoison(OutboxDeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver.stop()
        cls.receiver = PoisonedReceiver(secrets=[cls.secret]).start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.endpoint.write({"url": cls.receiver.url, "max_attempts": 4})
        cls.others = cls.env["product.product"].create(
            [{"name": f"Pallet {i}", "default_code": f"PAL-{i}", "is_storable": True} for i in range(5)]
        )

    def setUp(self):
        super().setUp()
        self.receiver.poison = self.product.default_code
        self.addCleanup(setattr, self.receiver, "poison", None)

    def test_a_poison_event_dies_alone_and_innocents_are_delivered_in_one_cycle(self):
        poison = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        innocents = self.events_of(
            self.receive([(product, 2) for product in self.others])
        ).delivery_ids
        behind = self.events_of(self.receive([(self.product, 3)])).delivery_ids
        self.dispatch()  # attempt 1: the whole batch fails
        self.make_due()
        self.dispatch()  # attempt 2: still failing: the batch is split
        self.assertTrue(all((poison | innocents | behind).mapped("send_alone")))
        self.assertFalse(innocents.filtered(lambda d: d.state == "delivered"))
        self.make_due()
        self.dispatch()  # one retry cycle: every innocent leaves alone
        self.assertEqual(set(innocents.mapped("state")), {"delivered"})
        self.assertEqual(poison.state, "failed")
        self.assertEqual(len(self.receiver.unique_events()), len(self.others))
        self.make_due()
        self.dispatch()  # attempt 4 of 4: the poison dies; its key waits behind it
        self.assertRecordValues(
            poison | behind,
            [{"state": "dead", "status_code": 500}, {"state": "parked", "status_code": 500}],
        )
        self.assertEqual(self.receiver.order_violations, [])
        self.assertOutboxMatchesStockLedger(products=self.others, endpoint=self.endpoint)

    def test_a_resting_head_does_not_starve_other_keys(self):
        self.endpoint.batch_size = 2
        self.receiver.poison = None
        self.receiver.set_behaviour("status", status=503, times=1)
        head = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.dispatch()
        self.assertEqual(head.state, "failed")
        self.env.cr.execute("UPDATE stock_sync_endpoint SET paused_until = NULL")
        # Followers arrive while the head rests, ahead of another key's events.
        followers = self.events_of(
            self.receive([(self.product, 2)]) | self.receive([(self.product, 3)])
        ).delivery_ids
        others = self.events_of(self.receive([(self.others[0], 1)])).delivery_ids
        self.dispatch()
        self.assertEqual(others.state, "delivered", "another key is not starved")
        self.assertEqual(set(followers.mapped("state")), {"pending"})
        self.assertTrue(all(f.next_attempt_at >= head.next_attempt_at for f in followers))
        # Time passes to the head's retry, which the followers wait for too.
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET next_attempt_at = now() AT TIME ZONE 'UTC'"
            " WHERE id IN %s",
            ((head | followers)._ids,),
        )
        self.make_due()
        self.dispatch()
        self.assertEqual(set((head | followers).mapped("state")), {"delivered"})
        self.assertEqual(self.receiver.order_violations, [])
