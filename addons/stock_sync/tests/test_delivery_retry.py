"""A receiver that is unwell for a while: backoff, Retry-After, timeouts, outages, bad answers."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryRetry(OutboxDeliveryCase):
    def test_receiver_error_500_retries_with_backoff_then_delivers(self):
        self.receiver.set_behaviour("status", status=500, body=b"database locked", times=1)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertRecordValues(
            delivery,
            [
                {
                    "state": "failed",
                    "error_class": "http_5xx",
                    "status_code": 500,
                    "response_excerpt": "database locked",
                }
            ],
        )
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=4))
        self.assertLessEqual(delivery.next_attempt_at, before + timedelta(seconds=12))
        self.assertTrue(
            self.endpoint.paused_until, "the endpoint rests while its receiver is unwell"
        )
        # A new event meanwhile does not hammer the sick receiver.
        self.receive([(self.carton, 1)])
        self.assertEqual(self.dispatch(), 0)
        self.make_due()
        self.assertEqual(self.dispatch(), 2)
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])

    def test_429_retry_after_is_honoured(self):
        self.receiver.set_behaviour("status", status=429, headers={"Retry-After": "120"}, times=1)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "http_4xx"}])
        self.assertAlmostEqual((delivery.next_attempt_at - before).total_seconds(), 120, delta=2)

    def test_retry_after_zero_does_not_burn_the_attempts(self):
        self.receiver.set_behaviour("status", status=503, headers={"Retry-After": "0"})
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        before = fields.Datetime.now()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "attempts": 1}])
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=4))

    def test_timeout_slow_receiver_and_outage(self):
        # Well above the slow answer below (0.2 s) on a busy machine, well below the hang.
        self.endpoint.timeout = 1.5
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.set_behaviour("hang", delay=3, times=1)
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "timeout"}])
        self.receiver.go_down()
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "connection"}])
        self.receiver.come_up()
        self.receiver.set_behaviour("slow", delay=0.2)
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 3}])
        self.assertEqual(len(self.receiver.unique_events()), 1)

    def test_malformed_and_non_2xx_answers(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.receiver.set_behaviour("garbage", times=1)
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "failed", "error_class": "invalid_response"}])
        self.receiver.set_behaviour(
            "status", status=302, headers={"Location": "http://127.0.0.1:9/"}, times=1
        )
        self.make_due()
        self.dispatch()
        self.assertRecordValues(
            delivery,
            [{"state": "failed", "error_class": "invalid_response", "status_code": 302}],
        )
        self.make_due()
        self.dispatch()
        self.assertEqual(delivery.state, "delivered")

    def test_max_attempts_then_dead(self):
        self.endpoint.max_attempts = 2
        self.receiver.set_behaviour("status", status=503)
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.dispatch()
        self.assertEqual(delivery.state, "failed")
        self.make_due()
        self.dispatch()
        self.assertRecordValues(delivery, [{"state": "dead", "attempts": 2}])
