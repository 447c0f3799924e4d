import datetime
import time

import requests
from standardwebhooks.webhooks import Webhook

from odoo.tests import BaseCase, tagged

from ..services import http_transport, retry_policy, transport, webhook_signature


@tagged("post_install", "-at_install")
class TestWebhookSignature(BaseCase):
    def test_official_library_verifies_our_signatures(self):
        secret = webhook_signature.generate_secret()
        body = '[{"id": "1"}]'
        headers = webhook_signature.sign_headers([secret], "msg_1", body)
        self.assertIsNotNone(Webhook(secret).verify(body, headers))

    def test_we_verify_the_official_library_signatures(self):
        secret = webhook_signature.generate_secret(24)
        now = datetime.datetime.now(datetime.UTC)
        signature = Webhook(secret).sign("msg_2", now, "{}")
        headers = {
            "webhook-id": "msg_2",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        self.assertEqual(webhook_signature.verify([secret], headers, "{}"), "msg_2")

    def test_rotation_signs_with_every_active_secret(self):
        old, new = webhook_signature.generate_secret(), webhook_signature.generate_secret(64)
        headers = webhook_signature.sign_headers([old, new], "msg_3", "{}")
        self.assertEqual(len(headers["webhook-signature"].split(" ")), 2)
        for secret in (old, new):
            Webhook(secret).verify("{}", headers)

    def test_rejects_tampering_staleness_and_unknown_secrets(self):
        secret = webhook_signature.generate_secret()
        headers = webhook_signature.sign_headers([secret], "msg_4", "body")
        with self.assertRaisesRegex(webhook_signature.SignatureError, "No signature matches"):
            webhook_signature.verify([secret], headers, "b0dy")
        with self.assertRaisesRegex(webhook_signature.SignatureError, "No signature matches"):
            webhook_signature.verify([webhook_signature.generate_secret()], headers, "body")
        stale = webhook_signature.sign_headers(
            [secret], "msg_4", "body", timestamp=time.time() - 301
        )
        with self.assertRaisesRegex(webhook_signature.SignatureError, "5 minutes"):
            webhook_signature.verify([secret], stale, "body")
        with self.assertRaisesRegex(webhook_signature.SignatureError, "Missing"):
            webhook_signature.verify([secret], {}, "body")


@tagged("post_install", "-at_install")
class TestRetryPolicy(BaseCase):
    def test_backoff_grows_exponentially_with_bounded_jitter(self):
        for attempt, full in ((1, 10), (2, 20), (3, 40), (10, 3600)):
            for _ in range(50):
                delay = retry_policy.backoff_seconds(attempt, base=10, cap=3600)
                self.assertGreaterEqual(delay, full / 2)
                self.assertLessEqual(delay, full)

    def test_retry_after_in_seconds_or_http_date(self):
        self.assertEqual(retry_policy.parse_retry_after("7"), 7.0)
        now = time.time()
        date = datetime.datetime.fromtimestamp(now + 30, datetime.UTC).strftime(
            "%a, %d %b %Y %H:%M:%S GMT"
        )
        self.assertAlmostEqual(retry_policy.parse_retry_after(date, now=now), 30, delta=1.5)
        self.assertIsNone(retry_policy.parse_retry_after("soon"))
        self.assertIsNone(retry_policy.parse_retry_after(None))


@tagged("post_install", "-at_install")
class TestResponseClassification(BaseCase):
    def _response(self, status, headers=None, text=""):
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers or {})
        response._content = text.encode()
        return response

    def test_classification(self):
        classify = http_transport.classify_response
        self.assertEqual(classify(self._response(204), 0.1).outcome, "delivered")
        permanent = classify(self._response(422, text="bad schema"), 0.1)
        self.assertEqual(
            (permanent.outcome, permanent.error_class, permanent.excerpt),
            ("refused", "http_4xx", "bad schema"),
        )
        throttled = classify(self._response(429, {"Retry-After": "12"}), 0.1)
        self.assertEqual((throttled.outcome, throttled.retry_after), ("retry", 12.0))
        failed = classify(self._response(503), 0.1)
        self.assertEqual((failed.outcome, failed.error_class), ("retry", "http_5xx"))
        redirect = classify(self._response(302, {"Location": "http://elsewhere"}), 0.1)
        self.assertEqual((redirect.outcome, redirect.error_class), ("retry", "invalid_response"))
        long_body = classify(self._response(500, text="x" * 5000), 0.1)
        self.assertEqual(len(long_body.excerpt), http_transport.EXCERPT_LENGTH)

    def test_url_check(self):
        self.assertIsNone(http_transport.check_url("https://wms.example.com/in"))
        self.assertIsNotNone(http_transport.check_url("ftp://x"))
        for url in ("http://[::1", "http://127.0.0.1:99999/in", "http://:80/in"):
            self.assertIn("valid host and port", http_transport.check_url(url))
        batch = transport.Batch(("db", 1), "mailto:x@y", 1, [("1", "{}")], "[{}]", {})
        result = http_transport.HttpTransport().send(batch)
        self.assertEqual(
            (result.outcome, result.error_class, result.endpoint_problem),
            ("refused", "config", True),
            "a URL that is not http waits as an endpoint problem: no event dies of it",
        )

    def test_batch_message_id_is_stable_for_the_same_events(self):
        first = webhook_signature.message_id(["a", "b"])
        self.assertEqual(first, webhook_signature.message_id(["a", "b"]))
        self.assertNotEqual(first, webhook_signature.message_id(["a", "c"]))
