"""A WMS with a REST API, run as a real server on 127.0.0.1, for tests and the demo.

It keeps its own stock per (SKU, location), accepts Odoo's outbound calls,
serves an event feed for polling, and sends signed webhooks (Standard
Webhooks, with the official ``standardwebhooks`` library) to Odoo. Faults can
be injected on what it answers (latency, 5xx, timeouts, malformed bodies)
and on what it sends (duplicates, out-of-order deliveries, stale timestamps,
bad signatures).

Its API (the one ``stock_sync_connector_rest`` speaks):

* ``GET /api/v1/ping``: 200 when authenticated, 401 otherwise;
* ``POST /oauth/token``: OAuth2 client credentials (form body, HTTP basic);
* ``POST /api/v1/movements`` (``Idempotency-Key``): applies a movement to its
  stock; 201, 200 for a repeated key, 422 for an unknown SKU;
* ``POST /api/v1/expected-receipts`` (``Idempotency-Key``): one line of an
  expected receipt (ASN); the latest per (reference, SKU) is what it expects
  (``expected``); 201, 200 for a repeated key, 422 for an unknown SKU;
* ``POST /api/v1/holds`` (``Idempotency-Key``): a hold, release, rejection or
  disposal with the stock's status, kept in ``holds``;
* ``POST /api/v1/notifications``: any other event, kept;
* ``GET /api/v1/events?after=<cursor>&limit=<n>``: its events, oldest first.

Pure stdlib plus ``standardwebhooks`` (the webhooks it sends: ``stock_sync_connector``'s
tests/webhook_sender.py); it runs without Odoo. As a script::

    WMS_WEBHOOK_SECRET=whsec_... python3 wms_simulator.py --port 8766 --api-key demo-key \\
        --webhook-url http://127.0.0.1:8069/inventory_sync/wms/1/events --count-every 60
"""

import argparse
import base64
import collections
import datetime
import json
import os
import secrets as _secrets
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

try:  # in Odoo (the module's tests)
    from odoo.addons.stock_sync_connector.tests.webhook_sender import send_signed
except ImportError:  # alone (bin/run's demo) or from bench/: the same file, by its path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "stock_sync_connector" / "tests"))
    from webhook_sender import send_signed

FAULT_MODES = ("ok", "latency", "status", "timeout", "malformed")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, simulator):
        super().__init__(address, _Handler)
        self.simulator = simulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.simulator._counted(self, "GET")

    def do_POST(self):
        self.server.simulator._counted(self, "POST")

    def log_message(self, format, *args):  # keep test output quiet
        return


class WmsSimulator:
    """The simulated WMS. Thread-safe; start() and stop() it, or use it as a context."""

    def __init__(self, host="127.0.0.1", port=0, api_key="sim-key", api_key_header="X-API-Key"):
        self.host, self._port = host, port
        self.api_key, self.api_key_header = api_key, api_key_header
        self.basic = None  # (user, password) to accept HTTP basic instead
        self.oauth_client = None  # (client id, secret) to accept OAuth2 bearer tokens
        self.token_lifetime = 3600
        self.webhook_url = None
        self.secret = None
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0  # API calls being answered
        self._release = threading.Event()
        self.reset()

    # -- life cycle ------------------------------------------------------------
    def start(self):
        self._server = _Server((self.host, self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            with self._lock:
                self._release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self._port}"

    def reset(self):
        """Forget stock, calls, events and faults.

        Calls still being answered finish first (a held ``timeout`` answer is
        released), so a late call of one test never lands in the next one's state.
        """
        with self._lock:
            self._release.set()
            if not self._idle.wait_for(lambda: not self._in_flight, timeout=10):
                raise RuntimeError(f"{self._in_flight} API calls still being answered after 10 s")
            self.stock = collections.defaultdict(float)  # (sku, location) -> quantity
            self.known_skus = None  # None: every SKU is known
            self.calls = []  # (method, path, status)
            self.movements = {}  # Idempotency-Key -> movement body
            self.expected = {}  # (reference, sku) -> latest expected-receipt line
            self.expected_keys = set()  # Idempotency-Keys of expected-receipt lines
            self.holds = {}  # Idempotency-Key -> hold body
            self.notifications = []
            self.feed = []  # the events it published, oldest first
            self.tokens = {}  # bearer token -> expiry (monotonic)
            self.token_requests = 0
            self.pushes = []  # (status, answer) of each webhook sent
            self._faults = []
            self._release = threading.Event()

    # -- faults on what it answers ---------------------------------------------
    def fault(self, mode, times=1, status=503, delay=0.0):
        """Answer the next ``times`` API calls badly.

        ``latency``: wait ``delay`` s, then answer normally; ``status``: answer
        ``status`` (default 503); ``timeout``: wait ``delay`` s (or until
        ``stop``) and close without answering; ``malformed``: 200 with a body
        that is not JSON.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault {mode!r}: one of {FAULT_MODES}")
        with self._lock:
            self._faults.extend([(mode, status, delay)] * times)

    def _next_fault(self):
        with self._lock:
            return self._faults.pop(0) if self._faults else ("ok", None, 0.0)

    # -- what happens in the warehouse -----------------------------------------
    def _publish(self, event_type, data, time_=None):
        with self._lock:
            event = {
                "id": f"wms-{uuid.uuid4().hex}",
                "type": event_type,
                "time": time_ or _now_iso(),
                "sequence": len(self.feed) + 1,
                "data": data,
            }
            self.feed.append(event)
            return event

    def count(self, sku, location, quantity, unit=None, lot=None, time_=None):
        """A cycle count: the level is now ``quantity``."""
        with self._lock:
            self.stock[(sku, location)] = float(quantity)
        return self._publish(
            "count",
            _clean(sku=sku, location=location, quantity=quantity, unit=unit, lot=lot),
            time_,
        )

    def adjust(self, sku, location, delta, unit=None, lot=None):
        """An adjustment by ``delta`` (signed)."""
        with self._lock:
            self.stock[(sku, location)] += float(delta)
        return self._publish(
            "adjustment", _clean(sku=sku, location=location, quantity=delta, unit=unit, lot=lot)
        )

    def transfer(self, sku, source, destination, quantity, unit=None):
        with self._lock:
            self.stock[(sku, source)] -= float(quantity)
            self.stock[(sku, destination)] += float(quantity)
        return self._publish(
            "transfer",
            _clean(sku=sku, location=source, location_to=destination, quantity=quantity, unit=unit),
        )

    def confirm_receipt(self, reference, lines, location=None):
        """A receipt confirmed: ``lines`` is [(sku, quantity)] received."""
        if location:
            with self._lock:
                for sku, quantity in lines:
                    self.stock[(sku, location)] += float(quantity)
        return self._publish("receipt_confirmed", _confirmation(reference, lines))

    def confirm_pick(self, reference, lines, location=None):
        if location:
            with self._lock:
                for sku, quantity in lines:
                    self.stock[(sku, location)] -= float(quantity)
        return self._publish("pick_confirmed", _confirmation(reference, lines))

    def status_change(self, sku, location, quantity, status):
        return self._publish(
            "status_change", _clean(sku=sku, location=location, quantity=quantity, status=status)
        )

    # -- webhooks to Odoo -------------------------------------------------------
    def push(
        self,
        events,
        *,
        webhook_id=None,
        timestamp=None,
        secret=None,
        body=None,
        content_type="application/json",
        reverse=False,
        duplicate=False,
    ):
        """POST ``events`` to ``webhook_url``, signed; returns ``(status, answer)``.

        ``reverse``: out of order (newest first); ``duplicate``: each event
        twice; ``timestamp``: a Unix time other than now (stale); ``secret``:
        sign with another secret; ``body``: send these bytes instead (still
        signed); ``webhook_id``: reuse an id (a replay).
        """
        events = list(events)
        if reverse:
            events.reverse()
        if duplicate:
            events = [event for event in events for _copy in (1, 2)]
        payload = body if body is not None else json.dumps({"events": events}).encode()
        status, text = send_signed(
            self.webhook_url,
            payload,
            secret or self.secret,
            {"Content-Type": content_type},
            webhook_id=webhook_id,
            timestamp=timestamp,
        )
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {"raw": text.decode("utf-8", "replace")}
        with self._lock:
            self.pushes.append((status, answer))
        return status, answer

    # -- the API ----------------------------------------------------------------
    def _authenticated(self, handler):
        header = handler.headers.get("Authorization", "")
        if self.oauth_client:
            token = header.removeprefix("Bearer ")
            with self._lock:
                expiry = self.tokens.get(token)
            return bool(expiry and expiry > time.monotonic())
        if self.basic:
            expected = "Basic " + base64.b64encode(":".join(self.basic).encode()).decode()
            return _secrets.compare_digest(header, expected)
        return _secrets.compare_digest(
            handler.headers.get(self.api_key_header, ""), self.api_key or ""
        )

    def _counted(self, handler, method):
        with self._lock:
            self._in_flight += 1
        try:
            self._handle(handler, method)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._idle.notify_all()

    def _handle(self, handler, method):
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        mode, status, delay = self._next_fault()
        if mode == "timeout":
            self._release.wait(delay or None)
            handler.close_connection = True
            self._record(method, parts.path, None)
            return
        if mode == "latency":
            time.sleep(delay)
        if mode == "status":
            return self._answer(handler, method, parts.path, status, {"error": "simulated failure"})
        if mode == "malformed":
            return self._answer(handler, method, parts.path, 200, b"<html>not json")
        if method == "POST" and parts.path == "/oauth/token":
            return self._token(handler, raw)
        if not self._authenticated(handler):
            return self._answer(handler, method, parts.path, 401, {"error": "unauthenticated"})
        route = (method, parts.path)
        if route == ("GET", "/api/v1/ping"):
            return self._answer(handler, method, parts.path, 200, {"status": "ok"})
        if route == ("GET", "/api/v1/events"):
            query = parse_qs(parts.query)
            after = int((query.get("after") or ["0"])[0] or 0)
            limit = int((query.get("limit") or ["100"])[0])
            with self._lock:
                page = [e for e in self.feed if e["sequence"] > after][:limit]
            cursor = page[-1]["sequence"] if page else after
            return self._answer(
                handler, method, parts.path, 200, {"events": page, "next_cursor": str(cursor)}
            )
        if route == ("POST", "/api/v1/movements"):
            return self._movement(handler, raw)
        if route == ("POST", "/api/v1/expected-receipts"):
            return self._expected_receipt(handler, raw)
        if route == ("POST", "/api/v1/holds"):
            key = handler.headers.get("Idempotency-Key") or uuid.uuid4().hex
            with self._lock:
                repeated = key in self.holds
                self.holds.setdefault(key, json.loads(raw))
            return self._answer(handler, method, parts.path, 200 if repeated else 201, {})
        if route == ("POST", "/api/v1/notifications"):
            with self._lock:
                self.notifications.append(json.loads(raw))
            return self._answer(handler, method, parts.path, 202, {"status": "accepted"})
        return self._answer(handler, method, parts.path, 404, {"error": "no such resource"})

    def _token(self, handler, raw):
        form = parse_qs(raw.decode())
        credentials = ":".join(self.oauth_client or ("", "")).encode()
        expected = "Basic " + base64.b64encode(credentials).decode()
        if (
            not self.oauth_client
            or form.get("grant_type") != ["client_credentials"]
            or handler.headers.get("Authorization", "") != expected
        ):
            return self._answer(handler, "POST", "/oauth/token", 401, {"error": "invalid_client"})
        token = _secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
            self.token_requests += 1
        return self._answer(
            handler,
            "POST",
            "/oauth/token",
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime},
        )

    def _movement(self, handler, raw):
        key = handler.headers.get("Idempotency-Key")
        try:
            body = json.loads(raw)
            sku, quantity = body["sku"], float(body["quantity"])
        except (ValueError, KeyError, TypeError):
            return self._answer(handler, "POST", "/api/v1/movements", 400, {"error": "bad body"})
        with self._lock:
            if key and key in self.movements:
                return self._answer(
                    handler, "POST", "/api/v1/movements", 200, {"status": "duplicate"}
                )
            if self.known_skus is not None and sku not in self.known_skus:
                return self._answer(
                    handler,
                    "POST",
                    "/api/v1/movements",
                    422,
                    {"error": f"unknown item {sku}: add it to the item master"},
                )
            self.movements[key or uuid.uuid4().hex] = body
            if body.get("from"):
                self.stock[(sku, body["from"])] -= quantity
            if body.get("to"):
                self.stock[(sku, body["to"])] += quantity
        return self._answer(handler, "POST", "/api/v1/movements", 201, {"status": "accepted"})

    def _expected_receipt(self, handler, raw):
        path = "/api/v1/expected-receipts"
        key = handler.headers.get("Idempotency-Key")
        try:
            body = json.loads(raw)
            line = (body["reference"], body["sku"])
            float(body["quantity"])
        except (ValueError, KeyError, TypeError):
            return self._answer(handler, "POST", path, 400, {"error": "bad body"})
        with self._lock:
            if key and key in self.expected_keys:
                return self._answer(handler, "POST", path, 200, {"status": "duplicate"})
            if self.known_skus is not None and body["sku"] not in self.known_skus:
                return self._answer(
                    handler, "POST", path, 422, {"error": f"unknown item {body['sku']}"}
                )
            self.expected_keys.add(key or uuid.uuid4().hex)
            self.expected[line] = body
        return self._answer(handler, "POST", path, 201, {"status": "accepted"})

    def _record(self, method, path, status):
        with self._lock:
            self.calls.append((method, path, status))

    def _answer(self, handler, method, path, status, body):
        self._record(method, path, status)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _now_iso():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _clean(**values):
    return {key: value for key, value in values.items() if value is not None}


def _confirmation(reference, lines):
    return {
        "reference": reference,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def _say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--api-key", default="demo-wms-key")
    parser.add_argument("--webhook-url", help="Odoo's webhook URL of the backend")
    parser.add_argument(
        "--secret",
        default=os.environ.get("WMS_WEBHOOK_SECRET"),
        help="the backend's webhook secret (whsec_...); default: $WMS_WEBHOOK_SECRET",
    )
    parser.add_argument(
        "--count-every",
        type=float,
        default=0,
        help="seconds between simulated cycle counts pushed to Odoo (0: none)",
    )
    parser.add_argument("--sku", default="DEMO-SCR-M4")
    parser.add_argument("--location", default="WH-STOCK")
    args = parser.parse_args(argv)
    simulator = WmsSimulator(port=args.port, api_key=args.api_key)
    simulator.webhook_url, simulator.secret = args.webhook_url, args.secret
    simulator.start()
    # bin/run stops it with SIGTERM: end as after Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _say(f"[wms] simulator on {simulator.url}")
    level = 100
    try:
        while True:
            time.sleep(args.count_every or 3600)
            if args.count_every and args.webhook_url and args.secret:
                level += 1
                event = simulator.count(args.sku, args.location, level)
                try:
                    status, answer = simulator.push([event])
                except OSError as exc:
                    status, answer = None, str(exc)
                _say(f"[wms] count {args.sku}@{args.location}={level}: {status} {answer}")
    except KeyboardInterrupt:
        _say("[wms] stopped")
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
