"""A receiver refuses one event for good: it dies, only its key waits, people retry it."""

from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryPermanentRefusal(OutboxDeliveryCase):
    def test_permanent_4xx_kills_one_event_and_parks_only_its_key(self):
        first_a = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        second_a = self.events_of(self.receive([(self.product, 2)])).delivery_ids
        first_b = self.events_of(self.receive([(self.carton, 3)])).delivery_ids
        # The batch is refused, then the first event alone: it is the bad one.
        self.receiver.set_behaviour("status", status=422, body=b"unknown SKU", times=2)
        self.dispatch()
        self.assertRecordValues(
            first_a,
            [{"state": "dead", "error_class": "http_4xx", "response_excerpt": "unknown SKU"}],
        )
        self.assertEqual(second_a.state, "parked")
        self.assertEqual(first_b.state, "delivered", "other keys keep flowing")
        later_b = self.events_of(self.receive([(self.carton, 4)])).delivery_ids
        later_a = self.events_of(self.receive([(self.product, 5)])).delivery_ids
        self.dispatch()
        self.assertRecordValues(later_b | later_a, [{"state": "delivered"}, {"state": "parked"}])
        self.assertTrue(self.endpoint.activity_ids, "managers are told about dead letters")
        # Someone fixes the SKU mapping and retries: the key drains in order.
        first_a.with_user(self.sync_user).action_retry_now()
        self.dispatch()
        self.assertRecordValues(first_a | second_a | later_a, [{"state": "delivered"}] * 3)
        self.assertEqual(self.receiver.order_violations, [])
        self.assertOutboxMatchesStockLedger(endpoint=self.endpoint)

    def test_parking_heals_when_the_dead_delivery_is_gone(self):
        first = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        second = self.events_of(self.receive([(self.product, 2)])).delivery_ids
        # As if a racing transaction re-parked the follower after a cancel:
        # nothing dead is in front of it any more.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET state = CASE WHEN id = %s THEN 'cancelled' ELSE 'parked' END"
            " WHERE id IN %s",
            (first.id, (first | second)._ids),
        )
        self.env.invalidate_all()
        self.dispatch()
        self.assertRecordValues(first | second, [{"state": "cancelled"}, {"state": "delivered"}])
        self.assertEqual(len(self.receiver.unique_events()), 1)
