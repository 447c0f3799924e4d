"""Helpers shared by the Inventory Sync benchmarks.

The benchmarks load Odoo as a library (``load``) against the database that
``bench/run`` prepared, and commit for real: they measure what a user or the
dispatch cron sees, not a rolled-back test transaction. Every figure is also
written as JSON to ``bench/results/<name>.json``; ``bench/summary.py`` turns
those files into the final table.
"""

import argparse
import contextlib
import json
import logging
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

# The webhook simulator lives with the tests; it has no Odoo import.
if str(REPO_ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))


# ----------------------------------------------------------------------
# Command line and Odoo as a library
# ----------------------------------------------------------------------
def parse_args(description):
    # bench/run starts us in the background (SIGINT ignored) and stops us with
    # SIGTERM: both must unwind the ``finally`` blocks that stop servers.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--conf", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--db", required=True, help="database with the suite installed")
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("BENCH_SCALE") or 1),
        help="multiplies the sizes and durations (default: $BENCH_SCALE or 1)",
    )
    return parser.parse_args()


def scaled(n, scale, minimum=1):
    """``n`` times the scale, as a whole number, at least ``minimum``."""
    return max(minimum, round(n * scale))


def load(conf, db):
    """Configure Odoo from ``conf`` and return the registry of ``db``."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-c", conf, "-d", db, "--log-level=warn"], setup_logging=True
    )
    # The automation-rule webhook logs one warning per failed call: during the
    # outage bench that is hundreds of lines we count ourselves anyway.
    logging.getLogger("odoo.addons.base.models.ir_actions").setLevel(logging.ERROR)
    return Registry(db)


@contextlib.contextmanager
def env(registry, user=None, context=None):
    """An environment in its own transaction, committed on success.

    ``user`` None is the superuser; benchmarks that play a warehouse user pass
    ``admin_uid()`` and no context, so that mail tracking and the rest run as
    in the UI. Like Odoo's HTTP layer, we pick up other processes' registry
    changes first and tell them about ours afterwards.
    """
    from odoo import SUPERUSER_ID, api

    registry = registry.check_signaling()
    with registry.manage_changes(), registry.cursor() as cr:
        yield api.Environment(cr, user or SUPERUSER_ID, dict(context or {}))


def admin_uid(registry):
    with env(registry) as e:
        return e.ref("base.user_admin").id


def set_capture(registry, enabled):
    """Switch capture on or off (the add-on's kill switch), committed."""
    with env(registry) as e:
        e["ir.config_parameter"].set_param("stock_sync.capture_paused", "False" if enabled else "True")


# ----------------------------------------------------------------------
# Data builders
# ----------------------------------------------------------------------
def warehouse(e):
    """The main company's warehouse, created by Odoo at install (no demo data needed)."""
    company = e.ref("base.main_company")
    return e["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)


def make_products(e, n, prefix, criticality="standard"):
    """``n`` storable products in a category of the given sync criticality."""
    category = e["product.category"].search([("name", "=", f"Bench {criticality}")], limit=1)
    if not category:
        category = e["product.category"].create(
            {"name": f"Bench {criticality}", "stock_sync_criticality": criticality}
        )
    return e["product.product"].create([
        {
            "name": f"{prefix} {i:04d}",
            "default_code": f"{prefix}-{i:04d}",
            "is_storable": True,
            "categ_id": category.id,
        }
        for i in range(n)
    ])


def make_endpoint(e, name, url, **vals):
    """The only active endpoint from now on, with one fresh secret; returns (endpoint, secret).

    Older bench endpoints are archived so that each bench fans out to exactly
    one subscriber and dispatches nothing left over by a previous bench.
    """
    from odoo import Command

    e["stock.sync.endpoint"].search([]).write({"active": False})
    endpoint = e["stock.sync.endpoint"].create(
        dict({"name": name, "url": url, "secret_ids": [Command.create({})]}, **vals)
    )
    return endpoint, endpoint.secret_ids.secret


def validate_receipt(e, lines):
    """Receive ``lines`` [(product, qty)] from the vendor into WH/Stock, as the UI does."""
    from odoo import Command

    wh = warehouse(e)
    src, dest = e.ref("stock.stock_location_suppliers"), wh.lot_stock_id
    picking = e["stock.picking"].create({
        "picking_type_id": wh.in_type_id.id,
        "location_id": src.id,
        "location_dest_id": dest.id,
        "move_ids": [
            Command.create({
                "name": product.name, "product_id": product.id, "product_uom_qty": qty,
                "product_uom": product.uom_id.id, "location_id": src.id, "location_dest_id": dest.id,
            })
            for product, qty in lines
        ],
    })
    picking.action_confirm()
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    result = picking.button_validate()
    if picking.state != "done":
        raise RuntimeError(f"receipt {picking.name} not done ({picking.state}): {result!r}")
    return picking


def make_bom(e, finished, components):
    """A BoM making one ``finished`` from ``components`` [(product, qty)]."""
    from odoo import Command

    return e["mrp.bom"].create({
        "product_tmpl_id": finished.product_tmpl_id.id,
        "product_qty": 1,
        "bom_line_ids": [
            Command.create({"product_id": p.id, "product_qty": qty}) for p, qty in components
        ],
    })


def produce(e, bom, qty=1):
    """Confirm, reserve and finish a manufacturing order, as the UI does."""
    production = e["mrp.production"].create({
        "product_id": bom.product_id.id or bom.product_tmpl_id.product_variant_id.id,
        "bom_id": bom.id,
        "product_qty": qty,
    })
    production.action_confirm()
    production.action_assign()
    production.qty_producing = qty
    production.move_raw_ids.picked = True
    result = production.button_mark_done()
    if production.state != "done":
        raise RuntimeError(f"MO {production.name} not done ({production.state}): {result!r}")
    return production


def event_uuids(e, moves):
    """The CloudEvent ids written for ``moves`` (in the current transaction)."""
    events = e["stock.sync.event"].sudo().search([("move_line_id", "in", moves.move_line_ids.ids)])
    return events.mapped("event_uuid")


def make_webhook_rule(e, url):
    """Odoo's own answer to the problem: an automation rule on stock.move.

    Trigger "State is set to: Done", action "Send Webhook Notification": Odoo
    POSTs the move's fields as JSON, in the user's transaction, timeout 1 s,
    and only logs a failure. Returns the rule (archive it when done).
    """
    from odoo import Command

    model = e["ir.model"]._get("stock.move")
    done = e["ir.model.fields.selection"].search([
        ("field_id.model", "=", "stock.move"), ("field_id.name", "=", "state"), ("value", "=", "done"),
    ])
    wanted = ["product_id", "product_uom_qty", "quantity", "location_id", "location_dest_id",
              "reference", "date", "state"]
    fields_ = e["ir.model.fields"].search([("model", "=", "stock.move"), ("name", "in", wanted)])
    return e["base.automation"].create({
        "name": "Bench: stock move done webhook",
        "model_id": model.id,
        "trigger": "on_state_set",
        "trg_selection_field_id": done.id,
        "action_server_ids": [Command.create({
            "name": "Bench: POST the move",
            "model_id": model.id,
            "state": "webhook",
            "webhook_url": url,
            "webhook_field_ids": [Command.set(fields_.ids)],
        })],
    })


# ----------------------------------------------------------------------
# Receivers
# ----------------------------------------------------------------------
def webhook_receiver(secret):
    """The suite's CloudEvents receiver, verifying our signatures, started."""
    from odoo.addons.stock_sync.tests.webhook_receiver import WebhookReceiver

    return WebhookReceiver(secrets=[secret]).start()


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
    """A tiny HTTP endpoint for Odoo's automation-rule webhook.

    That webhook sends plain ``application/json`` (not CloudEvents) without a
    signature, which the suite's simulator refuses (415), so the peer gets
    this one: it answers 200 to any POST and counts what arrived.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._server = None
        self._port = 0
        self.reset()

    def reset(self):
        with self._lock:
            self.calls = 0
            self.received_at = []  # time.time() of each call
            self.content_types = set()
            self.record_ids = []

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

    def _record(self, content_type, body):
        try:
            record_id = json.loads(body).get("_id")
        except ValueError:
            record_id = None
        with self._lock:
            self.calls += 1
            self.received_at.append(time.time())
            self.content_types.add(content_type)
            self.record_ids.append(record_id)


# ----------------------------------------------------------------------
# An Odoo server with a cron thread, as in production
# ----------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def odoo_command():
    """The ``odoo`` script of this python3 (same interpreter), else the one on PATH."""
    script = Path(sysconfig.get_path("scripts")) / "odoo"
    if script.exists():
        return [str(script)]
    found = shutil.which("odoo")
    if not found:
        raise RuntimeError("no 'odoo' console script found next to python3 or on PATH")
    return [found]


class OdooServer:
    """``odoo`` in a subprocess with one cron thread: it dispatches on triggers.

    Use as a context manager; it stops with SIGINT (Odoo's graceful shutdown),
    then SIGKILL if that takes longer than ``stop_timeout`` seconds.
    """

    def __init__(self, conf, db, name, start_timeout=120, stop_timeout=30):
        self.conf, self.db = conf, db
        self.port = free_port()
        self.log_path = RESULTS_DIR / f"{name}.server.log"
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.proc = None

    def __enter__(self):
        RESULTS_DIR.mkdir(exist_ok=True)
        cmd = odoo_command() + [
            "-c", self.conf, "-d", self.db, "--http-interface=127.0.0.1",
            f"--http-port={self.port}", "--max-cron-threads=1", "--workers=0", "--log-level=warn",
        ]
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        # Own session: a Ctrl-C on the terminal reaches us, and we stop it once.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._write_pidfile()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _wait_ready(self):
        url = f"http://127.0.0.1:{self.port}/web/login"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Odoo server not ready within {self.start_timeout}s:\n{self.log_tail()}")

    def _pidfile(self):
        work = os.environ.get("BENCH_WORK")
        return Path(work) / f"server.{self.proc.pid}.pid" if work else None

    def _write_pidfile(self):
        # bench/run kills servers left behind if we are killed ourselves.
        if self._pidfile():
            self._pidfile().write_text(str(self.proc.pid))

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._pidfile():
            self._pidfile().unlink(missing_ok=True)

    def log_tail(self, n=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def log_count(self, text):
        try:
            return self.log_path.read_text(errors="replace").count(text)
        except OSError:
            return 0


# ----------------------------------------------------------------------
# Load, statistics, results
# ----------------------------------------------------------------------
def paced(rate, duration):
    """Yield (index, scheduled offset) ``rate`` times a second for ``duration`` s.

    Bounded by count: if the caller falls behind, the next ones go at once
    rather than being skipped, and the achieved rate tells.
    """
    count = max(1, int(rate * duration))
    start = time.monotonic()
    for i in range(count):
        offset = i / rate
        delay = start + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield i, offset


def receipt_load(registry, uid, product_ids, rate, duration, lines=2, on_tick=None):
    """Validate receipts at ``rate`` a second for ``duration`` s, each in its own transaction.

    Returns one (commit time, CloudEvent ids, moves done) per receipt; the
    time is taken right after the commit, i.e. when the user's call returns.
    ``on_tick(offset)`` runs before each receipt (the outage bench uses it).
    """
    committed = []
    for i, offset in paced(rate, duration):
        if on_tick:
            on_tick(offset)
        with env(registry, uid) as e:
            products = e["product.product"].browse(product_ids)
            picking = validate_receipt(
                e, [(products[(lines * i + k) % len(products)], 1) for k in range(lines)]
            )
            ids, moves = event_uuids(e, picking.move_ids), len(picking.move_ids)
        committed.append((time.time(), ids, moves))
    return committed


def live_setup(registry, name, n_products=20, **endpoint_vals):
    """Critical products, a real-time endpoint and its started receiver (for the server benches).

    Returns (product ids, endpoint id, receiver).
    """
    with env(registry) as e:
        products = make_products(e, n_products, name.upper()[:4], "critical")
        endpoint, secret = make_endpoint(e, f"Bench {name}", "http://127.0.0.1:9/events",
                                         **endpoint_vals)
        endpoint_id = endpoint.id
    receiver = webhook_receiver(secret)
    with env(registry) as e:
        e["stock.sync.endpoint"].browse(endpoint_id).url = receiver.url
    set_capture(registry, True)
    return products.ids, endpoint_id, receiver


def warm_up(registry, uid, product_ids, receiver, timeout=90):
    """A few receipts through the running server until they arrive: crons at start-up,
    first connections and caches are out of the way before we measure."""
    batch = receipt_load(registry, uid, product_ids, rate=2, duration=2)
    wanted = sum(len(ids) for _, ids, _ in batch)
    if not receiver.wait_for(wanted, timeout=timeout):
        raise RuntimeError(f"warm-up: {len(receiver.unique_events())}/{wanted} events "
                           f"arrived within {timeout}s; is the server's cron thread running?")


def percentile(values, p):
    """The ``p``-th percentile (0-100), linear between closest ranks; None if empty."""
    data = sorted(values)
    if not data:
        return None
    k = (len(data) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


_OPS = {"<=": lambda v, t: v <= t, ">=": lambda v, t: v >= t, "==": lambda v, t: v == t}


class Results:
    """Metrics of one bench: printed one per line, saved as JSON.

    ``target`` is ``(op, threshold)`` with op in <=, >=, ==; ``ratio`` adds
    value(num)/value(den) as its own metric, e.g. ours vs a baseline measured
    in the same run.
    """

    def __init__(self, name, scale, settings=None):
        self.name, self.scale = name, scale
        self.settings = dict(settings or {})
        self.metrics = []
        self.started = time.time()
        print(f"== {name} (scale {scale:g})", flush=True)
        if self.settings:
            print("   settings: " + ", ".join(f"{k}={v}" for k, v in self.settings.items()), flush=True)

    def _value(self, key):
        return next(m["value"] for m in self.metrics if m["key"] == key)

    def add(self, key, value, unit="", label=None, target=None, headline=False, digits=3):
        ok = None
        if target is not None and value is not None:
            ok = _OPS[target[0]](value, target[1])
        metric = {
            "key": key, "label": label or key, "value": value, "unit": unit,
            "target": f"{target[0]} {target[1]:g}" if target else None, "ok": ok,
            "headline": bool(headline or target), "digits": digits,
        }
        self.metrics.append(metric)
        print("   " + format_metric(metric), flush=True)
        return value

    def ratio(self, key, num, den, label=None, target=None, headline=False):
        a, b = self._value(num), self._value(den)
        value = a / b if a is not None and b else None
        return self.add(key, value, "x", label or f"{num} / {den}", target, headline)

    def save(self, **extra):
        RESULTS_DIR.mkdir(exist_ok=True)
        data = {
            "bench": self.name, "scale": self.scale, "started": self.started,
            "seconds": round(time.time() - self.started, 1), "host": platform.node(),
            "cpus": os.cpu_count(), "settings": self.settings, "metrics": self.metrics, **extra,
        }
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(json.dumps(data, indent=2, default=str))
        print(f"   ({data['seconds']} s; saved {path.relative_to(REPO_ROOT)})", flush=True)
        return data


def format_value(value, unit="", digits=3):
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        text = f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".rstrip()


def format_metric(metric):
    line = f"{metric['label']:<48} {format_value(metric['value'], metric['unit'], metric['digits']):>16}"
    if metric["target"]:
        verdict = {True: "ok", False: "MISSED", None: "n/a"}[metric["ok"]]
        line += f"   target {metric['target']}: {verdict}"
    return line
