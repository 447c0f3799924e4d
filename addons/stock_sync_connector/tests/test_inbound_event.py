"""The canonical inbound event: what every protocol's events are checked against."""

from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..services import inbound_event, rate_limit
from ..services.inbound_event import InboundEventError, parse


def count(**data):
    return {"id": "evt-1", "type": "count", "data": dict({"sku": "A", "location": "L"}, **data)}


@tagged("post_install", "-at_install")
class TestInboundEvent(BaseCase):
    def test_a_count_with_a_numeric_text_and_a_zoned_time(self):
        event = parse(dict(count(quantity="12.5", unit="EA"), time="2026-11-30T11:00:00+01:00"))
        self.assertEqual(event.type, inbound_event.COUNT)
        self.assertEqual(event.data["quantity"], 12.5)
        self.assertEqual(event.data["unit"], "EA")
        self.assertEqual(event.time, datetime(2026, 11, 30, 10, 0), "naive UTC, as Odoo stores it")

    def test_quantities_that_are_not_finite_numbers_are_refused(self):
        for bad, words in (
            ("ten", "must be a number, got 'ten'"),
            (True, "must be a number"),
            (None, "must be a number"),
            ("nan", "finite"),
            (-1, "at least 0"),
        ):
            with self.subTest(quantity=bad), self.assertRaisesRegex(InboundEventError, words):
                parse(count(quantity=bad))

    def test_an_adjustment_is_a_non_zero_delta_and_a_transfer_moves_something(self):
        self.assertEqual(
            parse(
                {
                    "id": 1,
                    "type": "adjustment",
                    "data": {"sku": "A", "location": "L", "quantity": -3},
                }
            ).data["quantity"],
            -3,
        )
        with self.assertRaisesRegex(InboundEventError, "non-zero delta"):
            parse(
                {
                    "id": 1,
                    "type": "adjustment",
                    "data": {"sku": "A", "location": "L", "quantity": 0},
                }
            )
        with self.assertRaisesRegex(InboundEventError, "more than 0"):
            parse(
                {
                    "id": 1,
                    "type": "transfer",
                    "data": {"sku": "A", "location": "L", "location_to": "M", "quantity": 0},
                }
            )

    def test_a_confirmation_names_its_transfer_and_lines(self):
        with self.assertRaisesRegex(InboundEventError, "'data.lines' must be a list"):
            parse(
                {"id": 1, "type": "pick_confirmed", "data": {"reference": "WH/OUT/1", "lines": []}}
            )
        with self.assertRaisesRegex(
            InboundEventError, r"In data.lines\[1\]: 'data.sku' is required"
        ):
            parse(
                {
                    "id": 1,
                    "type": "receipt_confirmed",
                    "data": {
                        "reference": "WH/IN/1",
                        "lines": [{"sku": "A", "quantity": 1}, {"quantity": 1}],
                    },
                }
            )

    def test_envelope_errors_name_the_field(self):
        for raw, words in (
            ([], "JSON object"),
            ({"type": "count", "data": {}}, "no id"),
            ({"id": "x" * 201, "type": "count", "data": {}}, "longer than 200"),
            ({"id": 1, "type": "teleport", "data": {}}, "Unknown event type 'teleport'"),
            ({"id": 1, "type": "count", "data": []}, "'data' must be a JSON object"),
            (dict(count(quantity=1), sequence="3"), "'sequence' must be an integer"),
            (dict(count(quantity=1), time="yesterday"), "not an ISO 8601 time"),
        ):
            with self.subTest(raw=raw), self.assertRaisesRegex(InboundEventError, words):
                parse(raw)

    def test_the_rate_limit_says_how_long_a_request_must_wait(self):
        key = ("test", id(self))
        self.assertEqual(rate_limit.wait_turn(key, 0), 0.0, "0 means no limit")
        self.assertEqual(rate_limit.wait_turn(key, 1), 0.0, "the first request goes at once")
        self.assertIsNone(rate_limit.wait_turn(key, 1, max_wait=0.1), "the next is a second away")
