"""A real HTTP webhook receiver for tests and benchmarks of the outbox dispatcher.

It listens on 127.0.0.1, accepts CloudEvents 1.0 in structured mode, either a
batch (``application/cloudevents-batch+json``, a JSON array) or a single event
(``application/cloudevents+json``, a JSON object), checks the Standard Webhooks
signature headers, records what it accepted (duplicates, per-partition order
violations, arrival times) and can be told to misbehave (error statuses, slow
answers, hangs, dropped connections, garbage, being down).

Pure stdlib plus ``standardwebhooks``; no Odoo import.

Example::

    with WebhookReceiver(secrets=[secret]) as rx:
        configure_dispatcher(url=rx.url, secret=secret)
        run_dispatcher()
        assert rx.wait_for(100)
        assert not rx.order_violations
"""

import argparse
import collections
import contextlib
import datetime
import html
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

__all__ = ["BATCH_CONTENT_TYPE", "SINGLE_CONTENT_TYPE", "WebhookReceiver"]

BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
SINGLE_CONTENT_TYPE = "application/cloudevents+json"
MODES = ("ok", "status", "slow", "hang", "close", "garbage", "trickle")
# Attributes every CloudEvents 1.0 event must carry.
REQUIRED_ATTRIBUTES = frozenset(("id", "source", "specversion", "type"))
GARBAGE = b"NOT HTTP\r\n\r\n"


def _ok_behaviour():
    return {"mode": "ok", "status": None, "headers": {}, "body": b"", "delay": 0.0}


class _Rejection(Exception):
    """A request refused by validation: HTTP status plus a short reason code."""

    def __init__(self, status, reason, detail=""):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait for keep-alive or hanging handler threads
    request_queue_size = 128

    def __init__(self, address, receiver):
        self.receiver = receiver
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        """Stay quiet: broken connections are expected (the tests provoke them)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so pooled sessions reuse connections
    disable_nagle_algorithm = True

    def setup(self):
        result = super().setup()
        self.server.receiver._track(self.connection, True)
        return result

    def finish(self):
        try:
            return super().finish()
        finally:
            self.server.receiver._track(self.connection, False)

    def do_POST(self):
        receiver = self.server.receiver
        with receiver._cond:
            receiver._in_flight += 1
        try:
            receiver._handle(self)
        except OSError:  # client or go_down() closed the socket under us
            self.close_connection = True
        finally:
            with receiver._cond:
                receiver._in_flight -= 1
                receiver._cond.notify_all()

    def do_GET(self):
        try:
            self.server.receiver._handle_get(self)
        except OSError:
            self.close_connection = True

    def log_message(self, format, *args):
        """Silence the default per-request logging to stderr."""


class WebhookReceiver:
    """Webhook endpoint on a real socket, recording accepted CloudEvents.

    ``secrets`` is a list of ``"whsec_..."`` strings; when empty, signatures
    are not checked. Everything is thread-safe; the recorded data is exposed
    as copies taken under the lock.
    """

    def __init__(self, secrets=(), host="127.0.0.1", port=0, path="/events"):
        self.host = host
        self.path = path
        self._port = port
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._life = threading.RLock()  # serialises start/stop/go_down/come_up
        self._server = None
        self._thread = None
        self._connections = set()
        self._generation = 0  # bumped to release hanging/slow handlers
        self._in_flight = 0  # POSTs being answered
        self._webhooks = []
        # What a signature that does not verify gets: 401, or 400 as in the
        # Standard Webhooks and Svix receiver examples.
        self.signature_failure_status = HTTPStatus.UNAUTHORIZED
        self.set_secrets(secrets)
        self._clear()

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        """Listen (on ``port``, or a free one if 0) in a daemon thread; returns self."""
        with self._life:
            if self._server is None:
                server = _Server((self.host, self._port), self)
                self._port = server.server_address[1]
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"webhook-receiver-{self._port}",
                    daemon=True,
                )
                self._server, self._thread = server, thread
                thread.start()
        return self

    def stop(self):
        """Stop listening and drop open connections; idempotent."""
        with self._life:
            server, self._server = self._server, None
            if server is None:
                return
            with self._cond:
                self._generation += 1
                self._cond.notify_all()
                connections = list(self._connections)
            server.shutdown()
            server.server_close()
            for conn in connections:
                with contextlib.suppress(OSError):  # already closed by its client
                    conn.shutdown(socket.SHUT_RDWR)
            self._thread.join(timeout=5)
            self._thread = None

    def go_down(self):
        """Simulate an outage: close the listening socket and all connections, keep the port."""
        self.stop()

    def come_up(self):
        """End an outage: listen again on the same port (SO_REUSEADDR)."""
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        """The TCP port (known once started)."""
        return self._port

    @property
    def url(self):
        """The endpoint URL, e.g. ``http://127.0.0.1:8123/events``."""
        return f"http://{self.host}:{self._port}{self.path}"

    @property
    def is_up(self):
        """Whether the receiver is currently listening."""
        return self._server is not None

    # -- configuration -----------------------------------------------------

    def set_secrets(self, secrets):
        """Replace the accepted secrets (rotation); empty disables verification."""
        if isinstance(secrets, str):
            secrets = [secrets]
        webhooks = [Webhook(s) for s in secrets]
        with self._lock:
            self._webhooks = webhooks

    def set_behaviour(
        self, mode="ok", *, status=None, headers=None, body=b"", delay=0.0, times=None
    ):
        """Choose how the next requests are answered.

        ``ok``: 204 (or ``status`` if given, e.g. 200). ``status``: answer
        ``status`` with ``headers`` and ``body`` (events accepted only for 2xx).
        ``slow``: wait ``delay`` s, then as ``ok``. ``hang``: wait ``delay`` s
        (``<= 0``: indefinitely), then close without answering. ``close``:
        close without any response. ``garbage``: write non-HTTP bytes and close.
        ``trickle``: start an answer and send one more header byte every ``delay``
        s, never finishing (each read of the client gets a byte in time).
        ``times=N`` applies to the next N requests only, then back to ``ok``.
        Calling this (or reset/stop/go_down) cuts short pending waits.
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}, expected one of {MODES}")
        if mode == "status" and status is None:
            raise ValueError('mode "status" needs status=')
        if times is not None and times < 0:
            raise ValueError("times must be >= 0 or None")
        if isinstance(body, str):
            body = body.encode()
        behaviour = {
            "mode": mode,
            "status": status,
            "headers": dict(headers or {}),
            "body": body,
            "delay": float(delay),
        }
        with self._cond:
            self._behaviour = behaviour
            self._times = times
            self._generation += 1  # release requests hanging under the old behaviour
            self._cond.notify_all()

    def reset(self):
        """Forget everything recorded and go back to the ``ok`` behaviour.

        Requests still being answered (a ``hang`` or ``slow`` one, released
        here) finish first: a late request of one test never lands in the
        next one's records.
        """
        deadline = time.monotonic() + 10
        with self._cond:
            while True:
                # Bumped again on every turn: a request that read the generation
                # after the previous bump is released by the next one.
                self._generation += 1
                self._cond.notify_all()
                if not self._in_flight:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self._in_flight} requests still being answered after 10 s"
                    )
                self._cond.wait(0.05)
            self._clear()

    def _clear(self):
        self._behaviour = _ok_behaviour()
        self._times = None
        self._requests = []
        self._events = []
        self._unique = {}
        self._received_at = {}
        self._last_sequence = {}
        self._duplicates = 0
        self._order_violations = []
        self._rejected = []

    # -- recorded data -----------------------------------------------------

    @property
    def requests(self):
        """One dict per HTTP request.

        Keys: time, webhook_id, content_type, n_events, verified (None when
        unchecked), status (None when no answer was given), signatures,
        mode (the behaviour applied), client_port (shows connection reuse).
        """
        with self._lock:
            return [dict(r) for r in self._requests]

    @property
    def events(self):
        """Every accepted event in arrival order, duplicates included."""
        with self._lock:
            return list(self._events)

    def unique_events(self):
        """Accepted events by CloudEvent id (first arrival wins)."""
        with self._lock:
            return dict(self._unique)

    @property
    def duplicates(self):
        """How many accepted events carried an id that was already accepted."""
        with self._lock:
            return self._duplicates

    @property
    def order_violations(self):
        """``(partitionkey, previous_sequence, sequence)`` for new events not above the last one."""
        with self._lock:
            return list(self._order_violations)

    @property
    def rejected(self):
        """Refused requests (401/400/415/411), each with a ``reason`` code and a ``detail``."""
        with self._lock:
            return [dict(r) for r in self._rejected]

    @property
    def received_at(self):
        """``time.time()`` of the first acceptance, by event id."""
        with self._lock:
            return dict(self._received_at)

    def wait_for(self, n_unique, timeout=10.0):
        """Block until at least ``n_unique`` distinct events were accepted; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._unique) >= n_unique, timeout)

    # -- request handling (handler threads) --------------------------------

    def _track(self, conn, add):
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _next_behaviour(self):
        """Behaviour for this request; consumes one of ``times``. Caller holds the lock."""
        behaviour = self._behaviour
        if self._times is not None:
            if self._times <= 0:
                behaviour = self._behaviour = _ok_behaviour()
                self._times = None
            else:
                self._times -= 1
        return behaviour

    def _wait(self, delay, generation):
        """Sleep ``delay`` s (``<= 0``: indefinitely) unless stop/reset/set_behaviour intervenes."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._generation != generation, delay if delay > 0 else None
            )

    def _handle(self, handler):
        arrived = time.time()
        headers = handler.headers
        length = headers.get("Content-Length")
        body, rejection = b"", None
        if length is None:
            # Chunked or unknown length: the stream cannot be resynchronised.
            handler.close_connection = True
            rejection = _Rejection(HTTPStatus.LENGTH_REQUIRED, "length_required")
        else:
            body = handler.rfile.read(int(length))
            if len(body) < int(length):  # client went away mid-body
                handler.close_connection = True
                return

        with self._lock:
            behaviour = self._next_behaviour()
            webhooks = self._webhooks
            generation = self._generation
        mode = behaviour["mode"]
        if mode == "hang" or (mode == "slow" and behaviour["delay"] > 0):
            self._wait(behaviour["delay"], generation)

        content_type = headers.get("Content-Type", "")
        signature = headers.get("webhook-signature") or ""
        record = {
            "time": arrived,
            "webhook_id": headers.get("webhook-id"),
            "content_type": content_type,
            "n_events": None,
            "verified": None,
            "status": None,
            "signatures": len(signature.split()),
            "mode": mode,
            "client_port": handler.client_address[1],
        }
        events = None
        if rejection is None:
            record["verified"] = False if webhooks else None
            try:
                record["verified"] = self._verify(webhooks, body, headers)
                events = self._parse(content_type, body)
                record["n_events"] = len(events)
            except _Rejection as exc:
                rejection = exc
                if exc.reason in ("bad_signature", "stale_timestamp", "missing_signature"):
                    # The official Standard Webhooks examples answer 400 here.
                    exc.status = self.signature_failure_status

        if mode in ("hang", "close", "garbage"):
            self._drop(handler, record, GARBAGE if mode == "garbage" else b"")
            return
        if mode == "trickle":
            self._trickle(handler, record, behaviour["delay"], generation)
            return

        status = int(behaviour["status"] or HTTPStatus.NO_CONTENT)
        extra_headers, reply = behaviour["headers"], behaviour["body"]
        # An injected error wins over validation (like a proxy in front of the
        # app); a 2xx is only ever given to requests that pass validation.
        refused = rejection is not None and (mode != "status" or 200 <= status < 300)
        if refused:
            status = int(rejection.status)
            extra_headers = {"Content-Type": "application/json"}
            reply = json.dumps({"error": rejection.reason, "detail": rejection.detail}).encode()

        with self._cond:
            if handler.server is not self._server:  # went down meanwhile: no answer
                handler.close_connection = True
                return
            record["status"] = status
            self._requests.append(record)
            if refused:
                self._rejected.append(
                    dict(record, reason=rejection.reason, detail=rejection.detail)
                )
            elif 200 <= status < 300 and events:
                self._accept(events)
        self._respond(handler, status, extra_headers, reply)

    def _handle_get(self, handler):
        """Webhooks are POSTed; the live receiver below serves a page here."""
        self._respond(handler, HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "POST"}, b"")

    @staticmethod
    def _verify(webhooks, body, headers):
        """True if any configured secret verifies the request, None if unchecked."""
        if not webhooks:
            return None
        wanted = {
            k: headers.get(k) for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        wanted = {k: v for k, v in wanted.items() if v is not None}
        error = None
        for webhook in webhooks:
            try:
                webhook.verify(body, wanted, json_parse=False)
                return True
            except WebhookVerificationError as exc:
                error = exc
            except ValueError as exc:  # malformed "v1,<b64>" entry, bad base64 or UTF-8
                error = WebhookVerificationError(f"Malformed signature: {exc}")
        message = str(error)
        if "Missing" in message:
            reason = "missing_signature"
        elif "timestamp" in message:
            reason = "stale_timestamp"
        else:
            reason = "bad_signature"
        raise _Rejection(HTTPStatus.UNAUTHORIZED, reason, message)

    @staticmethod
    def _parse(content_type, body):
        """The list of events in the body, or a 415/400 rejection."""
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in (BATCH_CONTENT_TYPE, SINGLE_CONTENT_TYPE):
            raise _Rejection(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "unsupported_content_type",
                content_type,
            )
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise _Rejection(HTTPStatus.BAD_REQUEST, "bad_json", str(exc)) from None
        if media_type == SINGLE_CONTENT_TYPE:
            payload = [payload]
        if not isinstance(payload, list):
            raise _Rejection(HTTPStatus.BAD_REQUEST, "bad_json", "a batch must be a JSON array")
        for i, event in enumerate(payload):
            if not isinstance(event, dict):
                raise _Rejection(HTTPStatus.BAD_REQUEST, "bad_event", f"event {i}: not an object")
            if not REQUIRED_ATTRIBUTES.issubset(event) or not isinstance(event["id"], str):
                missing = sorted(REQUIRED_ATTRIBUTES - set(event)) or "id not a string"
                raise _Rejection(HTTPStatus.BAD_REQUEST, "bad_event", f"event {i}: {missing}")
        return payload

    def _accept(self, events):
        """Record accepted events. Caller holds the lock."""
        now = time.time()
        unique, last = self._unique, self._last_sequence
        for event in events:
            self._events.append(event)
            event_id = event["id"]
            if event_id in unique:
                self._duplicates += 1
                continue
            unique[event_id] = event
            self._received_at[event_id] = now
            key, sequence = event.get("partitionkey"), event.get("sequence")
            if not isinstance(key, str) or sequence is None:
                continue
            try:
                sequence = int(sequence)
            except (TypeError, ValueError):
                continue
            previous = last.get(key)
            if previous is not None and sequence <= previous:
                self._order_violations.append((key, previous, sequence))
            last[key] = sequence
        self._cond.notify_all()

    def _trickle(self, handler, record, delay, generation):
        """One header byte every ``delay`` s, until the client gives up or we are told to stop."""
        handler.close_connection = True
        with self._lock:
            self._requests.append(record)
        with contextlib.suppress(OSError):  # the client cut the connection: done
            handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
            while True:
                with self._cond:
                    if self._cond.wait_for(lambda: self._generation != generation, delay):
                        return
                handler.wfile.write(b"z")

    def _drop(self, handler, record, raw):
        """Record the request, then write ``raw`` (may be empty) and close the connection."""
        handler.close_connection = True
        with self._lock:  # before the client can notice anything
            self._requests.append(record)
        if raw:
            handler.wfile.write(raw)
        with contextlib.suppress(OSError):  # the client may have gone first
            handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _respond(handler, status, headers, body):
        handler.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                handler.send_header(name, str(value))
        if status in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED):
            handler.end_headers()  # no body, no Content-Length (RFC 9110)
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)


# ---------------------------------------------------------------------------
# The live demo subscriber: bin/run starts this file as a server
#
#   python3 webhook_receiver.py --port 8765 --secret whsec_... --reject-subject DEMO-SEN-210
#
# GET / is a page that refreshes itself with the last events received; each
# request gets one log line on stdout. The same checks as in the tests
# (signatures, CloudEvents, order per partition key), plus a tiny "WMS item
# master": events about an unknown item are refused with HTTP 422 and a
# reason a planner can act on, until the item is added on the page.
# ---------------------------------------------------------------------------

PAGE_EVENTS = 100  # events on the page (and kept from the journal at start)
PAGE_REFUSED = 20


def _event_summary(event):
    """(operation, quantity, from, to, reference) of an event, as far as it has them.

    Events other than movements have no ``operation``: their ``action`` (hold,
    expected receipt) stands in, or else the name in their type
    (``odoo.stock_sync_availability.availability.v1``: ``availability``).
    """
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    where = [
        (data.get(key) or {}).get("name", "") if isinstance(data.get(key), dict) else ""
        for key in ("location_from", "location_to")
    ]
    type_parts = str(event.get("type") or "").split(".")
    operation = (
        data.get("operation")
        or data.get("action")
        or (type_parts[-2] if len(type_parts) >= 2 else "")
    )
    return (operation, data.get("quantity", ""), *where, data.get("reference", ""))


def _delay(event, received_at):
    """Seconds from the movement (the event's ``time``) to its arrival here."""
    try:
        occurred = datetime.datetime.fromisoformat(event["time"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return None
    return received_at - occurred


def _format_delay(seconds):
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.3f} s"
    if seconds < 3600:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h"


class LiveReceiver(WebhookReceiver):
    """The receiver as a long-running local subscriber, for people to watch."""

    def __init__(
        self,
        secrets=(),
        host="127.0.0.1",
        port=8765,
        path="/events",
        unknown_items=(),
        journal=None,
        out=None,
    ):
        super().__init__(secrets=secrets, host=host, port=port, path=path)
        self.unknown_items = set(unknown_items)
        self.journal = journal
        self.out = out or sys.stdout
        self._out_lock = threading.Lock()
        self._history = collections.deque(maxlen=PAGE_EVENTS)  # (received_at, event)
        self._refused = collections.deque(maxlen=PAGE_REFUSED)  # (time, status, reason)
        self._load_journal()

    # -- journal: what was received survives a restart ---------------------

    def _load_journal(self):
        if not self.journal or not os.path.exists(self.journal):
            return
        with open(self.journal, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                if "event" in entry:
                    self._history.append((entry["received_at"], entry["event"]))
                elif "refused" in entry:
                    self._refused.append(tuple(entry["refused"]))
                elif "item_master_add" in entry:
                    self.unknown_items.discard(entry["item_master_add"])

    def _write_journal(self, entries):
        if self.journal:
            with open(self.journal, "a", encoding="utf-8") as f:
                f.writelines(json.dumps(entry) + "\n" for entry in entries)

    def log(self, message):
        stamp = time.strftime("%H:%M:%S")
        with self._out_lock:
            self.out.write(f"[receiver {stamp}] {message}\n")
            self.out.flush()

    # -- hooks into WebhookReceiver ------------------------------------------

    def _parse(self, content_type, body):
        events = WebhookReceiver._parse(content_type, body)
        with self._lock:
            unknown = sorted({str(e.get("subject")) for e in events} & self.unknown_items)
        if unknown:
            refused = sum(1 for e in events if e.get("subject") in unknown)
            raise _Rejection(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                f"unknown item {', '.join(unknown)}: add it to the WMS item master, then retry",
                f"events about it: {refused} of the {len(events)} in this batch",
            )
        return events

    def _accept(self, events):
        result = super()._accept(events)  # caller holds the lock
        now = time.time()
        self._history.extend((now, event) for event in events)
        self._write_journal({"received_at": now, "event": event} for event in events)
        return result

    def _handle(self, handler):
        if handler.path.split("?", 1)[0] == "/item-master":
            self._add_to_item_master(handler)
            return
        webhook_id = handler.headers.get("webhook-id")
        port = handler.client_address[1]
        super()._handle(handler)
        self._log_request(webhook_id, port)

    def _log_request(self, webhook_id, port):
        def ours(record):
            return record["webhook_id"] == webhook_id and record["client_port"] == port

        with self._lock:
            record = next((r for r in reversed(self._requests) if ours(r)), None)
            rejection = next((r for r in reversed(self._rejected) if ours(r)), None)
            if record is None:
                return
            if rejection is not None and rejection["time"] == record["time"]:
                refused = (record["time"], record["status"], rejection["reason"])
                self._refused.append(refused)
                self._write_journal([{"refused": refused}])
            else:
                rejection = None
        n = record["n_events"] or 0
        if rejection is not None:
            detail = f" ({rejection['detail']})" if rejection["detail"] else ""
            self.log(f"HTTP {record['status']}: refused: {rejection['reason']}{detail}")
            return
        if not record["status"] or record["status"] >= 300:
            self.log(f"HTTP {record['status']}: batch of {n} event(s) not accepted")
            return
        if n == 0:
            return
        verified = "signature verified" if record["verified"] else "signature NOT checked"
        with self._lock:
            latest = list(self._history)[-n:]
        parts = []
        for received_at, event in latest[:3]:
            operation, quantity = _event_summary(event)[:2]
            delay = _delay(event, received_at)
            after = f" ({_format_delay(delay)} after the movement)" if delay is not None else ""
            parts.append(f"{event.get('subject')} {operation} {quantity}{after}")
        more = f" (+{n - 3} more)" if n > 3 else ""
        self.log(f"HTTP {record['status']}: {n} event(s), {verified}: {'; '.join(parts)}{more}")

    def _add_to_item_master(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(handler.rfile.read(length).decode("utf-8", "replace"))
        item = (form.get("item") or [""])[0]
        with self._lock:
            known = item in self.unknown_items
            self.unknown_items.discard(item)
            if known:
                self._write_journal([{"received_at": time.time(), "item_master_add": item}])
        if known:
            self.log(
                f"{item} added to the WMS item master: its events are accepted from now on "
                "(Retry Now on the dead delivery in Odoo's exception queue)"
            )
        self._respond(handler, HTTPStatus.SEE_OTHER, {"Location": "/"}, b"")

    def _handle_get(self, handler):
        path = handler.path.split("?", 1)[0]
        if path == "/events.json":
            body = json.dumps(self.snapshot(), indent=1).encode()
            self._respond(handler, HTTPStatus.OK, {"Content-Type": "application/json"}, body)
        elif path == "/":
            body = self._page().encode()
            self._respond(
                handler, HTTPStatus.OK, {"Content-Type": "text/html; charset=utf-8"}, body
            )
        else:
            self._respond(handler, HTTPStatus.NOT_FOUND, {}, b"")

    # -- what people see -------------------------------------------------------

    def snapshot(self):
        """The page's data: the last events (newest first), refusals and counters."""
        with self._lock:
            return {
                "url": self.url,
                "signatures_checked": bool(self._webhooks),
                "unknown_items": sorted(self.unknown_items),
                "received_since_start": len(self._unique),
                "duplicates": self._duplicates,
                "order_violations": len(self._order_violations),
                "last_events": [
                    {
                        "received_at": received_at,
                        "delay_seconds": _delay(event, received_at),
                        "event": event,
                    }
                    for received_at, event in reversed(self._history)
                ],
                "refused": [
                    {"time": t, "status": status, "reason": reason}
                    for t, status, reason in reversed(self._refused)
                ],
            }

    def _page(self):
        snap = self.snapshot()
        esc = html.escape

        def clock(t):
            return time.strftime("%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1000):03d}"

        rows = []
        for item in snap["last_events"]:
            event = item["event"]
            operation, quantity, source, dest, reference = _event_summary(event)
            cells = [
                clock(item["received_at"]),
                _format_delay(item["delay_seconds"]),
                event.get("subject", ""),
                operation,
                quantity,
                f"{source} → {dest}",
                reference,
                str(event.get("sequence", "")).lstrip("0"),
            ]
            rows.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
        refused = "".join(
            f"<tr><td>{clock(r['time'])}</td><td>{r['status']}</td><td>{esc(r['reason'])}</td></tr>"
            for r in snap["refused"]
        )
        unknown = "".join(
            f'<form method="post" action="/item-master"><input type="hidden" name="item" '
            f'value="{esc(i)}"><b>{esc(i)}</b> is not in the WMS item master: its events are '
            f"refused (HTTP 422). <button>Add {esc(i)} to the item master</button></form>"
            for i in snap["unknown_items"]
        )
        checked = "verified" if snap["signatures_checked"] else "<b>NOT checked</b> (no secret)"
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>Demo WMS: inventory events received</title>
<style>
 body {{ font: 14px system-ui, sans-serif; margin: 1.2em 1.5em; color: #222; }}
 table {{ border-collapse: collapse; margin-bottom: 1em; }}
 td, th {{ padding: 2px 10px; border-bottom: 1px solid #ddd; white-space: nowrap; text-align: left; }}
 th {{ background: #f3f3f3; }} .events td:nth-child(2), .events td:nth-child(5) {{ text-align: right; }}
 .muted {{ color: #777; }} form {{ margin: .4em 0; }} h3 {{ margin: .8em 0 .3em; }}
</style></head><body>
<h2>Demo WMS: inventory events received from Odoo</h2>
<p class="muted">Endpoint {esc(snap["url"])} · signatures {checked} ·
 {snap["received_since_start"]} events received since the receiver started,
 {snap["duplicates"]} duplicates, {snap["order_violations"]} order violations ·
 refreshes every 2 s · <a href="/events.json">JSON</a></p>
{unknown}
<h3>Refused requests</h3>
<table><tr><th>When</th><th>HTTP</th><th>Reason</th></tr>
{refused or '<tr><td colspan="3" class="muted">None.</td></tr>'}</table>
<h3>Last {len(snap["last_events"])} events, newest first</h3>
<table class="events"><tr><th>Received</th><th>After the movement</th><th>Item</th>
<th>Operation</th><th>Quantity</th><th>From → To</th><th>Reference</th><th>Sequence</th></tr>
{"".join(rows) or '<tr><td colspan="8" class="muted">Nothing yet.</td></tr>'}</table>
</body></html>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the webhook receiver as a local subscriber (the Inventory Sync demo's WMS)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--path", default="/events", help="shown in the endpoint URL (any path is accepted)"
    )
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="WHSEC",
        help="a Standard Webhooks secret to verify signatures with (repeatable). Also read from "
        "$WEBHOOK_SECRETS (space-separated), which keeps them out of the process list.",
    )
    parser.add_argument(
        "--reject-subject",
        action="append",
        default=[],
        metavar="SKU",
        help="an item the WMS does not know: batches with events about it get HTTP 422 (repeatable)",
    )
    parser.add_argument(
        "--journal", metavar="FILE", help="append what is received to this JSON-lines file"
    )
    args = parser.parse_args(argv)
    secrets = args.secret + os.environ.get("WEBHOOK_SECRETS", "").split()
    receiver = LiveReceiver(
        secrets=secrets,
        host=args.host,
        port=args.port,
        path=args.path,
        unknown_items=args.reject_subject,
        journal=args.journal,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    try:
        receiver.start()
    except OSError as exc:
        sys.stderr.write(f"webhook receiver: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 1
    checks = f"{len(secrets)} secret(s)" if secrets else "NO secret: signatures are not checked"
    receiver.log(
        f"listening on {receiver.url} ({checks}); page: http://{args.host}:{receiver.port}/"
    )
    while not stop.wait(1):
        pass
    receiver.stop()
    receiver.log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
