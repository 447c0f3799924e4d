"""A LIMS on 127.0.0.1: it receives lots awaiting test and posts signed dispositions.

A real HTTP server (standard library only), used by the module's tests, the
benchmark and ``bin/run``'s demo:

* ``POST /events``: the outbox's CloudEvents batches (Standard Webhooks
  signature checked when ``endpoint_secret`` is set). Each
  ``odoo.stock_quality_hold_lims.lot_awaiting_test.v1`` event becomes a
  sample; after ``delay`` seconds the lab decides it, by ``policy``
  (``pass``, ``fail``, ``retest``, or ``script`` for the results of
  ``script``, in turn), and POSTs the disposition, signed with ``secret``,
  to ``webhook_url``.
* ``GET /api/v1/ping``, ``GET /api/v1/dispositions?after=&limit=``: the
  polling feed of every decision taken.
* Fault injection, for the next decisions (``inject``): ``duplicate``
  (posted twice), ``out_of_order`` (a newer contrary decision first, then
  this one with an older time), ``unknown_lot``, ``bad_signature``,
  ``oversized_pdf``.

Run alone: ``python3 lims_simulator.py --port 8768 --webhook-url URL
--delay 3 --policy pass`` with ``LIMS_WEBHOOK_SECRET`` (and optionally
``LIMS_ENDPOINT_SECRET``) in the environment. It prints one ``[lims ...]``
line per sample and per answer.
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import queue
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

AWAITING_TEST_TYPE = "odoo.stock_quality_hold_lims.lot_awaiting_test.v1"
RESULTS = {"pass": "released", "fail": "rejected", "retest": "retest"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FAULTS = ("duplicate", "out_of_order", "unknown_lot", "bad_signature", "oversized_pdf")


def iso(moment=None):
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sign(secret, msg_id, timestamp, body):
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secrets, headers, body, tolerance=300):
    msg_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = (headers.get("webhook-signature") or "").split()
    if not msg_id or not timestamp or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = {sign(secret, msg_id, timestamp, body) for secret in secrets}
    return any(hmac.compare_digest(s, e) for s in signatures for e in expected)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, simulator):
        super().__init__(address, _Handler)
        self.simulator = simulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.simulator._get(self)

    def do_POST(self):
        self.server.simulator._post(self)

    def log_message(self, format, *args):  # quiet
        pass


class LimsSimulator:
    """The lab. ``start()``, ``stop()``; thread-safe; every decision is kept in ``decisions``."""

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        webhook_url=None,
        secret=None,
        endpoint_secret=None,
        delay=0.0,
        policy="pass",
        script=(),
        verbose=False,
    ):
        self.webhook_url, self.secret, self.endpoint_secret = webhook_url, secret, endpoint_secret
        self.delay, self.policy, self.script = delay, policy, list(script)
        self.verbose = verbose
        # Above the backend's default PDF limit (2 MiB), below its body limit (4 MiB).
        self.oversized_pdf_bytes = int(2.5 * 1024 * 1024)
        self._server = _Server((host, port), self)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._generation = 0  # bumped by reset(): samples queued before are dropped
        self._deciding = False
        self._queue = queue.Queue()
        self._counter = itertools.count(1)
        self._threads = []
        # Cleared: decisions wait (a test's dispatcher shares Odoo's test cursor meanwhile).
        self.gate = threading.Event()
        self.gate.set()
        self.reset()

    # -- life ---------------------------------------------------------------
    def start(self):
        for target in (self._server.serve_forever, self._worker):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._queue.put(None)
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self):
        """Forget samples, decisions, answers and faults.

        Samples queued before are never decided, and a decision being posted
        finishes first: nothing of one test reaches Odoo in the next one.
        """
        with self._lock:
            self._generation += 1
            if not self._idle.wait_for(lambda: not self._deciding, timeout=10):
                raise RuntimeError("a decision is still being posted after 10 s")
            self.samples = []  # lots awaiting test, as received
            self.decisions = []  # every disposition decided (the polling feed)
            self.answers = []  # (HTTP status, answer) of each POST to Odoo
            self.refused_batches = 0
            self.faults = []  # (fault, remaining count)
            self._script_index = 0
            self.post_times = {}  # decision id -> time.monotonic() of its POST

    def inject(self, fault, times=1):
        """Apply ``fault`` (one of FAULTS) to the next ``times`` automatic decisions."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: one of {', '.join(FAULTS)}")
        with self._lock:
            self.faults.append([fault, times])

    @contextlib.contextmanager
    def paused(self):
        """Decide nothing until the block ends (samples are still received and queued)."""
        self.gate.clear()
        try:
            yield
        finally:
            self.gate.set()

    def wait_answers(self, count, timeout=20.0):
        """Wait until ``count`` POSTs were answered; return the answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.answers) >= count:
                    return list(self.answers)
            time.sleep(0.02)
        raise TimeoutError(f"{len(self.answers)} of {count} dispositions answered in {timeout} s")

    # -- building and posting dispositions ----------------------------------
    def disposition(self, lot, product, result="released", decided_at=None, **extra):
        """A disposition as a lab sends it (see the module's services/disposition.py)."""
        number = next(self._counter)
        item = {
            "decision_id": extra.pop("decision_id", f"LIMS-D-{uuid.uuid4().hex[:8]}-{number}"),
            "decided_at": iso(decided_at),
            "product": product,
            "lot": lot,
            "result": result,
            "analyst": "A. Chen",
            "approver": "B. Ruiz",
            "test_date": date.today().isoformat(),
            "certificate": {"ref": f"COA-{lot}-{number}"},
        }
        if result == "retest":
            item["retest_date"] = (date.today() + timedelta(days=30)).isoformat()
        if result == "conditional":
            item["restriction"] = "Indoor use only"
        item.update(extra)
        return item

    @staticmethod
    def pdf_certificate(ref, size=None):
        content = PDF if size is None else PDF + b"0" * max(size - len(PDF), 0)
        return {
            "ref": ref,
            "filename": f"{ref}.pdf",
            "content_base64": base64.b64encode(content).decode(),
        }

    def post(
        self,
        dispositions,
        secret=None,
        webhook_id=None,
        timestamp=None,
        body=None,
        content_type="application/json",
        url=None,
    ):
        """POST dispositions to Odoo, signed; return ``(HTTP status, answer)``."""
        if body is None:
            body = json.dumps({"dispositions": list(dispositions)}).encode()
        msg_id = webhook_id or f"msg_{uuid.uuid4().hex}"
        stamp = str(int(timestamp if timestamp is not None else time.time()))
        request = urllib.request.Request(
            url or self.webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "webhook-id": msg_id,
                "webhook-timestamp": stamp,
                "webhook-signature": sign(secret or self.secret, msg_id, stamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError as exc:
            status, raw = 0, json.dumps({"status": "unreachable", "error": str(exc)}).encode()
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {"raw": raw.decode("utf-8", "replace")}
        with self._lock:
            self.answers.append((status, answer))
        if self.verbose:
            results = answer.get("results") or [answer]
            for result in results:
                _say(
                    f"HTTP {status}: {result.get('decision_id', '-')} {result.get('status')}"
                    f" {result.get('detail') or result.get('error') or ''}".rstrip()
                )
        return status, answer

    # -- the lab at work ----------------------------------------------------
    def _next_result(self):
        with self._lock:
            if self.policy == "script" and self.script:
                result = self.script[self._script_index % len(self.script)]
                self._script_index += 1
            else:
                result = self.policy
        return RESULTS.get(result, result)

    def _next_fault(self):
        with self._lock:
            for entry in self.faults:
                if entry[1] > 0:
                    entry[1] -= 1
                    return entry[0]
        return None

    def _worker(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            due, generation, sample = item
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.gate.wait()
            with self._lock:
                if generation != self._generation:
                    continue  # received before a reset
                self._deciding = True
            try:
                self._decide(sample)
            except Exception as exc:  # noqa: BLE001 - a simulator keeps serving
                _say(f"decision failed: {exc!r}")
            finally:
                with self._lock:
                    self._deciding = False
                    self._idle.notify_all()

    def _decide(self, sample):
        data = sample["data"]
        product = data["product"]["default_code"] or str(data["product"]["id"])
        lot = data["lot"]["name"]
        fault = self._next_fault()
        result = self._next_result()
        item = self.disposition(lot, product, result)
        secret = None
        if fault == "unknown_lot":
            item["lot"] = f"{lot}-UNKNOWN"
        elif fault == "bad_signature":
            secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
        elif fault == "oversized_pdf":
            item["certificate"] = self.pdf_certificate(
                item["certificate"]["ref"], self.oversized_pdf_bytes
            )
        with self._lock:
            self.decisions.append(item)
            self.post_times[item["decision_id"]] = time.monotonic()
        if fault == "out_of_order":
            newer = self.disposition(
                lot, product, "rejected" if result != "rejected" else "released"
            )
            with self._lock:
                self.decisions.append(newer)
            self.post([newer])
            item["decided_at"] = iso(datetime.now(UTC) - timedelta(minutes=5))
        self.post([item], secret=secret)
        if fault == "duplicate":
            self.post([item])

    # -- HTTP ---------------------------------------------------------------
    def _get(self, handler):
        parsed = urlparse(handler.path)
        if parsed.path == "/api/v1/ping":
            return self._answer(handler, 200, {"status": "ok"})
        if parsed.path == "/api/v1/dispositions":
            query = parse_qs(parsed.query)
            after = int((query.get("after") or ["0"])[0] or 0)
            limit = int((query.get("limit") or ["100"])[0])
            with self._lock:
                page = self.decisions[after : after + limit]
            return self._answer(
                handler, 200, {"dispositions": page, "next_cursor": str(after + len(page))}
            )
        if parsed.path == "/":
            with self._lock:
                body = {
                    "samples": len(self.samples),
                    "decisions": self.decisions[-20:],
                    "answers": self.answers[-20:],
                }
            return self._answer(handler, 200, body)
        return self._answer(handler, 404, {"error": "not found"})

    def _post(self, handler):
        if urlparse(handler.path).path != "/events":
            return self._answer(handler, 404, {"error": "not found"})
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if self.endpoint_secret and not verify([self.endpoint_secret], headers, body):
            with self._lock:
                self.refused_batches += 1
            return self._answer(handler, 401, {"error": "signature refused"})
        try:
            events = json.loads(body)
        except ValueError:
            return self._answer(handler, 400, {"error": "malformed JSON"})
        events = events if isinstance(events, list) else [events]
        due = time.monotonic() + self.delay
        with self._lock:
            generation = self._generation
        for event in events:
            if event.get("type") != AWAITING_TEST_TYPE:
                continue
            with self._lock:
                self.samples.append(event)
            if self.verbose:
                data = event["data"]
                _say(
                    f"sample of lot {data['lot']['name']} ({data['product']['default_code']},"
                    f" {data['quantity']:g} {data['uom']}): decision in {self.delay:g} s"
                )
            self._queue.put((due, generation, event))
        return self._answer(handler, 204, None)

    @staticmethod
    def _answer(handler, status, body):
        raw = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        if body is not None:
            handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)


def _say(line):
    sys.stdout.write(f"[lims {time.strftime('%H:%M:%S')}] {line}\n")
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8768)
    parser.add_argument("--webhook-url", required=True, help="Odoo's disposition webhook")
    parser.add_argument("--delay", type=float, default=3.0, help="seconds before deciding")
    parser.add_argument("--policy", default="pass", choices=["pass", "fail", "retest", "script"])
    parser.add_argument("--script", default="", help="e.g. pass,fail,retest (with --policy script)")
    args = parser.parse_args(argv)
    secret = os.environ.get("LIMS_WEBHOOK_SECRET")
    if not secret:
        parser.error("set LIMS_WEBHOOK_SECRET to the LIMS backend's webhook secret")
    simulator = LimsSimulator(
        host=args.host,
        port=args.port,
        webhook_url=args.webhook_url,
        secret=secret,
        endpoint_secret=os.environ.get("LIMS_ENDPOINT_SECRET") or None,
        delay=args.delay,
        policy=args.policy,
        script=[s for s in args.script.split(",") if s],
        verbose=True,
    ).start()
    _say(f"listening on {simulator.url}, deciding after {args.delay:g} s ({args.policy})")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
