"""Tests of the webhook receiver simulator itself, over real HTTP (no Odoo)."""

import base64
import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from odoo.addons.stock_sync.tests.webhook_receiver import WebhookReceiver

BATCH = "application/cloudevents-batch+json"
SINGLE = "application/cloudevents+json"


def make_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def make_event(partitionkey="stock.quant:1", sequence=1, event_id=None):
    return {
        "id": event_id or str(uuid.uuid4()),
        "type": "com.example.stock.changed",
        "source": "/odoo/test",
        "specversion": "1.0",
        "time": datetime.now(UTC).isoformat(),
        "partitionkey": partitionkey,
        "sequence": sequence,
        "data": {"qty": sequence},
    }


def post(
    url,
    payload,
    secrets=(),
    *,
    content_type=BATCH,
    timestamp=None,
    session=None,
    timeout=5,
    **kwargs,
):
    """POST ``payload`` signed with every secret (space-separated signatures)."""
    body = payload if isinstance(payload, str) else json.dumps(payload)
    msg_id = "msg_" + uuid.uuid4().hex
    timestamp = timestamp or datetime.now(UTC)
    headers = {"Content-Type": content_type}
    if secrets:
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = str(int(timestamp.timestamp()))
        headers["webhook-signature"] = " ".join(
            Webhook(s).sign(msg_id, timestamp, body) for s in secrets
        )
    return (session or requests).post(
        url, data=body.encode(), headers=headers, timeout=timeout, **kwargs
    )


@pytest.fixture
def secret():
    return make_secret()


@pytest.fixture
def receiver(secret):
    with WebhookReceiver(secrets=[secret]) as rx:
        yield rx


def test_accepts_signed_batch(receiver, secret):
    events = [make_event(sequence=i) for i in range(1, 4)]
    response = post(receiver.url, events, [secret])
    assert response.status_code == 204
    assert receiver.wait_for(3, timeout=1)
    assert list(receiver.unique_events()) == [e["id"] for e in events]
    assert receiver.events == events
    assert set(receiver.received_at) == {e["id"] for e in events}
    assert not receiver.rejected and not receiver.order_violations and receiver.duplicates == 0
    (request,) = receiver.requests
    assert request["verified"] is True
    assert request["status"] == 204
    assert request["n_events"] == 3
    assert request["signatures"] == 1
    assert request["content_type"] == BATCH
    assert request["webhook_id"].startswith("msg_")


def test_accepts_single_event(receiver, secret):
    event = make_event()
    assert post(receiver.url, event, [secret], content_type=SINGLE).status_code == 204
    assert receiver.unique_events() == {event["id"]: event}


def test_url_and_port(receiver):
    assert receiver.port > 0
    assert receiver.url == f"http://127.0.0.1:{receiver.port}/events"


def test_rejects_bad_signature(receiver):
    response = post(receiver.url, [make_event()], [make_secret()])
    assert response.status_code == 401
    assert receiver.events == [] and receiver.unique_events() == {}
    (rejected,) = receiver.rejected
    assert rejected["reason"] == "bad_signature"
    assert rejected["status"] == 401
    assert receiver.requests[0]["verified"] is False


def test_rejects_missing_signature(receiver):
    assert post(receiver.url, [make_event()]).status_code == 401
    assert receiver.rejected[0]["reason"] == "missing_signature"
    assert receiver.events == []


def test_rejects_stale_timestamp(receiver, secret):
    old = datetime.now(UTC) - timedelta(minutes=6)
    assert post(receiver.url, [make_event()], [secret], timestamp=old).status_code == 401
    assert receiver.rejected[0]["reason"] == "stale_timestamp"
    assert receiver.events == []


def test_rejects_malformed_signature_header(receiver):
    response = requests.post(
        receiver.url,
        data=json.dumps([make_event()]),
        headers={
            "Content-Type": BATCH,
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "garbage-without-comma",
        },
        timeout=5,
    )
    assert response.status_code == 401
    assert receiver.rejected[0]["reason"] == "bad_signature"


def test_rotation_two_signatures_one_known(receiver, secret):
    old_secret = make_secret()
    assert post(receiver.url, [make_event()], [old_secret, secret]).status_code == 204
    assert receiver.requests[0]["signatures"] == 2
    assert receiver.requests[0]["verified"] is True
    assert len(receiver.unique_events()) == 1


def test_set_secrets_rotates_what_is_accepted(receiver, secret):
    new_secret = make_secret()
    receiver.set_secrets([secret, new_secret])  # overlap window
    assert post(receiver.url, [make_event()], [secret]).status_code == 204
    assert post(receiver.url, [make_event()], [new_secret]).status_code == 204
    receiver.set_secrets([new_secret])  # old one retired
    assert post(receiver.url, [make_event()], [secret]).status_code == 401
    assert len(receiver.unique_events()) == 2


def test_no_secrets_means_unchecked():
    with WebhookReceiver() as rx:
        assert post(rx.url, [make_event()]).status_code == 204
        assert rx.requests[0]["verified"] is None
        assert len(rx.events) == 1


def test_rejects_wrong_content_type_and_bad_json(receiver, secret):
    assert (
        post(receiver.url, [make_event()], [secret], content_type="application/json").status_code
        == 415
    )
    assert post(receiver.url, "[{not json", [secret]).status_code == 400
    assert (
        post(receiver.url, make_event(), [secret], content_type=BATCH).status_code == 400
    )  # not an array
    assert post(receiver.url, [{"id": "x"}], [secret]).status_code == 400  # not a CloudEvent
    assert [r["reason"] for r in receiver.rejected] == [
        "unsupported_content_type",
        "bad_json",
        "bad_json",
        "bad_event",
    ]
    assert receiver.events == []


def test_content_type_parameters_are_ignored(receiver, secret):
    response = post(receiver.url, [make_event()], [secret], content_type=BATCH + "; charset=utf-8")
    assert response.status_code == 204


def test_duplicates_and_order_violations(receiver, secret):
    first = [make_event("A", seq) for seq in (1, 2, 3)]
    assert post(receiver.url, first, [secret]).status_code == 204
    assert post(receiver.url, first, [secret]).status_code == 204  # redelivery
    late = make_event("A", 2)  # new id, but sequence goes backwards
    other = make_event("B", 1)  # other partition: independent
    assert post(receiver.url, [late, other, make_event("A", 4)], [secret]).status_code == 204
    assert receiver.duplicates == 3
    assert len(receiver.events) == 9
    assert len(receiver.unique_events()) == 6
    assert receiver.order_violations == [("A", 3, 2)]


def test_rejected_batch_is_not_accepted_for_ordering(receiver, secret):
    batch = [make_event("A", seq) for seq in (1, 2, 3)]
    receiver.set_behaviour("status", status=500, body=b"boom", times=1)
    response = post(receiver.url, batch, [secret])
    assert response.status_code == 500 and response.content == b"boom"
    assert receiver.events == []
    assert receiver.rejected == []  # an injected failure is not a refusal
    assert post(receiver.url, batch, [secret]).status_code == 204
    assert receiver.order_violations == [] and receiver.duplicates == 0
    assert [r["status"] for r in receiver.requests] == [500, 204]


def test_status_429_once_then_ok(receiver, secret):
    receiver.set_behaviour("status", status=429, headers={"Retry-After": "3"}, times=1)
    session = requests.Session()
    response = post(receiver.url, [make_event()], [secret], session=session)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert receiver.events == []
    assert post(receiver.url, [make_event()], [secret], session=session).status_code == 204
    assert post(receiver.url, [make_event()], [secret], session=session).status_code == 204
    assert len(receiver.unique_events()) == 2


def test_ok_can_answer_200(receiver, secret):
    receiver.set_behaviour("ok", status=200, body=b'{"ok": true}')
    response = post(receiver.url, [make_event()], [secret])
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert len(receiver.events) == 1


def test_garbage_raises_connection_error(receiver, secret):
    receiver.set_behaviour("garbage", times=1)
    with pytest.raises(requests.ConnectionError):
        post(receiver.url, [make_event()], [secret])
    assert receiver.events == []
    assert receiver.requests[0]["status"] is None
    assert post(receiver.url, [make_event()], [secret]).status_code == 204


def test_close_raises_connection_error(receiver, secret):
    receiver.set_behaviour("close", times=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            post(receiver.url, [make_event()], [secret])
    assert post(receiver.url, [make_event()], [secret]).status_code == 204
    assert len(receiver.events) == 1


def test_slow_answers_late(receiver, secret):
    receiver.set_behaviour("slow", delay=0.3, times=1)
    started = time.monotonic()
    assert post(receiver.url, [make_event()], [secret]).status_code == 204
    assert time.monotonic() - started >= 0.3
    assert len(receiver.events) == 1


def test_hang_times_out_client_and_records_nothing(receiver, secret):
    receiver.set_behaviour("hang", delay=5)
    with pytest.raises(requests.Timeout):
        post(receiver.url, [make_event()], [secret], timeout=0.3)
    assert receiver.events == []
    receiver.set_behaviour("ok")  # also releases the hanging handler
    assert post(receiver.url, [make_event()], [secret]).status_code == 204


def test_keep_alive_reuses_one_connection(receiver, secret):
    with requests.Session() as session:
        for _ in range(5):
            assert post(receiver.url, [make_event()], [secret], session=session).status_code == 204
        receiver.set_behaviour("status", status=503, body=b"busy", times=1)
        assert post(receiver.url, [make_event()], [secret], session=session).status_code == 503
        assert post(receiver.url, [make_event()], [secret], session=session).status_code == 204
    assert len({r["client_port"] for r in receiver.requests}) == 1


def test_go_down_and_come_up_on_same_port(receiver, secret):
    url, port = receiver.url, receiver.port
    with requests.Session() as session:
        assert post(url, [make_event()], [secret], session=session).status_code == 204
        receiver.go_down()
        assert not receiver.is_up
        for _ in range(2):  # the pooled connection was dropped too
            with pytest.raises(requests.ConnectionError):
                post(url, [make_event()], [secret], session=session)
        receiver.come_up()
        assert receiver.port == port and receiver.url == url
        assert post(url, [make_event()], [secret], session=session).status_code == 204
    assert len(receiver.unique_events()) == 2


def test_wait_for_blocks_until_events_arrive(receiver, secret):
    assert receiver.wait_for(1, timeout=0.05) is False
    timer = threading.Timer(0.1, post, args=(receiver.url, [make_event(), make_event()], [secret]))
    timer.start()
    try:
        assert receiver.wait_for(2, timeout=5) is True
    finally:
        timer.join()


def test_reset_clears_everything(receiver, secret):
    receiver.set_behaviour("status", status=500)
    post(receiver.url, [make_event()], [make_secret()])
    receiver.reset()
    assert receiver.requests == [] and receiver.rejected == [] and receiver.events == []
    assert post(receiver.url, [make_event()], [secret]).status_code == 204


def test_reset_releases_a_request_in_flight_before_it_forgets(receiver, secret):
    # A slow answer of one test must not land in the next test's records.
    receiver.set_behaviour("slow", delay=30)
    answers = []
    client = threading.Thread(
        target=lambda: answers.append(post(receiver.url, [make_event()], [secret]).status_code)
    )
    client.start()
    deadline = time.monotonic() + 5
    while not receiver._in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    assert receiver._in_flight == 1, "the request is being answered"
    started = time.monotonic()
    receiver.reset()
    client.join(5)
    assert time.monotonic() - started < 5, "reset released the slow answer"
    assert answers == [204]
    assert receiver.requests == [] and receiver.events == []


def test_stop_is_idempotent(secret):
    rx = WebhookReceiver(secrets=[secret]).start()
    rx.stop()
    rx.stop()
    with pytest.raises(requests.ConnectionError):
        post(rx.url, [make_event()], [secret], timeout=1)


def test_set_behaviour_validates_arguments(receiver):
    with pytest.raises(ValueError):
        receiver.set_behaviour("explode")
    with pytest.raises(ValueError):
        receiver.set_behaviour("status")


def test_concurrent_batches(receiver, secret):
    def send(partition):
        with requests.Session() as session:
            for start in range(0, 500, 100):
                batch = [make_event(partition, seq) for seq in range(start + 1, start + 101)]
                assert post(receiver.url, batch, [secret], session=session).status_code == 204

    threads = [threading.Thread(target=send, args=(f"P{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert receiver.wait_for(2000, timeout=5)
    assert receiver.order_violations == [] and receiver.duplicates == 0


def test_summary_names_what_happened_for_every_kind_of_event():
    from odoo.addons.stock_sync.tests.webhook_receiver import _event_summary

    movement = {
        "type": "odoo.stock_sync.movement.v1",
        "data": {
            "operation": "receipt",
            "quantity": 7.0,
            "reference": "WH/IN/1",
            "location_from": {"name": "Vendors"},
            "location_to": {"name": "WH/Stock"},
        },
    }
    hold = {
        "type": "odoo.stock_quality_hold.hold.v1",
        "data": {"action": "release", "quantity": 5.0},
    }
    availability = {
        "type": "odoo.stock_sync_availability.availability.v1",
        "data": {"quantity": 0.0},
    }
    assert _event_summary(movement) == ("receipt", 7.0, "Vendors", "WH/Stock", "WH/IN/1")
    # Events without an operation: their action, or the name in their type; never blank.
    assert _event_summary(hold)[:2] == ("release", 5.0)
    assert _event_summary(availability)[:2] == ("availability", 0.0)
    assert _event_summary({"data": None}) == ("", "", "", "", "")
