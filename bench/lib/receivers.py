"""Subscribers for the dispatcher: the suite's verifying receiver, a counting one, a poisoned one."""

import importlib.util
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The suite's receiver is plain Python (stdlib and standardwebhooks): loaded from
# its file, since importing the module's tests package would load Odoo's test
# framework, which logs an error outside test mode.
RECEIVER_PY = Path(__file__).resolve().parents[2] / "addons/stock_sync/tests/webhook_receiver.py"


def _suite_receiver_module():
    spec = importlib.util.spec_from_file_location("stock_sync_webhook_receiver", RECEIVER_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def webhook_receiver(secret, poison_ids=()):
    """The suite's CloudEvents receiver, verifying our signatures, started.

    ``poison_ids``: event ids it cannot process; a batch holding one gets a 500.
    """
    wr = _suite_receiver_module()

    class PoisonedReceiver(wr.WebhookReceiver):
        def _parse(self, content_type, body):
            events = super()._parse(content_type, body)
            poisoned = [e["id"] for e in events if e["id"] in poison_ids]
            if poisoned:
                raise wr._Rejection(500, "poison", f"cannot process event {poisoned[0]}")
            return events

    return (PoisonedReceiver if poison_ids else wr.WebhookReceiver)(secrets=[secret]).start()


class _CountingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.counter._record(self.headers.get("Content-Type", ""), body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        """Quiet."""


class CountingReceiver:
    """A light HTTP endpoint that answers 200 to any POST and counts what arrived.

    For Odoo's automation-rule webhook, which sends plain ``application/json``
    (one record, unsigned) that the suite's receiver refuses (415), and for
    large backlogs, where keeping every event as the suite's receiver does
    would take gigabytes: of a CloudEvents batch it keeps the count, the
    arrival time and, per partition key, the last sequence (order violations).
    Signatures are not checked.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._server = None
        self._port = 0
        self.reset()

    def reset(self):
        with self._lock:
            self.calls = 0
            self.received_at = []  # time.time() of each call
            self.content_types = set()
            self.record_ids = []
            self.events = 0  # CloudEvents received, duplicates included
            self.batches = []  # (time.time(), events in the batch)
            self.order_violations = 0
            self._last_sequence = {}

    def start(self):
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _CountingHandler)
        server.daemon_threads = True
        server.block_on_close = False
        server.counter = self
        self._port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self._server = server
        return self

    def stop(self):
        server, self._server = self._server, None
        if server:
            server.shutdown()
            server.server_close()

    go_down, come_up = stop, start

    @property
    def url(self):
        return f"http://127.0.0.1:{self._port}/webhook"

    def wait_for_events(self, n, timeout):
        with self._cond:
            return self._cond.wait_for(lambda: self.events >= n, timeout)

    def _record(self, content_type, body):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        now = time.time()
        with self._cond:
            self.calls += 1
            self.received_at.append(now)
            self.content_types.add(content_type)
            if isinstance(payload, dict):  # the automation rule's one record
                self.record_ids.append(payload.get("_id"))
            elif isinstance(payload, list):  # a CloudEvents batch
                self.events += len(payload)
                self.batches.append((now, len(payload)))
                for event in payload:
                    key, sequence = event.get("partitionkey"), event.get("sequence")
                    if key is None or sequence is None:
                        continue
                    if int(sequence) <= self._last_sequence.get(key, -1):
                        self.order_violations += 1
                    self._last_sequence[key] = int(sequence)
                self._cond.notify_all()
