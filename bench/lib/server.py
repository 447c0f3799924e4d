"""An Odoo server in a subprocess, as in production, and a JSON-RPC client for it."""

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import requests

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"
WRAPPER = Path(__file__).resolve().with_name("odoo_without_gevent.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OdooServer:
    """``odoo`` in a subprocess with cron workers: it dispatches on triggers.

    ``workers`` 0 is the threaded server (one process, ``max_cron_threads``
    cron threads); more is prefork mode (HTTP worker processes and
    ``max_cron_threads`` cron worker processes), without the gevent process
    (see ``odoo_without_gevent.py``). ``log_handlers`` are extra
    ``--log-handler`` values. Use as a context manager; it stops with SIGINT
    (Odoo's graceful shutdown), then SIGKILL after ``stop_timeout`` seconds.
    """

    def __init__(self, conf, db, name, workers=0, max_cron_threads=1, log_handlers=(),
                 start_timeout=120, stop_timeout=30):
        self.conf, self.db = conf, db
        self.workers, self.max_cron_threads = workers, max_cron_threads
        self.log_handlers = list(log_handlers)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = RESULTS_DIR / f"{name}.server.log"
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.proc = None

    def __enter__(self):
        RESULTS_DIR.mkdir(exist_ok=True)
        cmd = [
            sys.executable, str(WRAPPER), "-c", self.conf, "-d", self.db,
            "--http-interface=127.0.0.1", f"--http-port={self.port}",
            f"--gevent-port={free_port()}", f"--workers={self.workers}",
            f"--max-cron-threads={self.max_cron_threads}", "--log-level=warn",
            *(f"--log-handler={handler}" for handler in self.log_handlers),
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
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Odoo server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/web/login", timeout=5) as response:
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
                # The whole session: prefork workers too.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self._pidfile():
            self._pidfile().unlink(missing_ok=True)

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def log_count(self, text):
        return self.log_text().count(text)


class RpcError(Exception):
    """An error Odoo answered to a JSON-RPC call: it reached the client."""


class JsonRpc:
    """Odoo's external API (``/jsonrpc``, ``execute_kw``) over one pooled session."""

    def __init__(self, url, db, login, password, timeout=120):
        self.url, self.db, self.password, self.timeout = f"{url}/jsonrpc", db, password, timeout
        self.session = requests.Session()
        self._ids = itertools.count(1)
        self.uid = self._call("common", "login", db, login, password)
        if not self.uid:
            raise RpcError(f"login {login!r} refused by {url}")

    def _call(self, service, method, *args):
        response = self.session.post(self.url, timeout=self.timeout, json={
            "jsonrpc": "2.0", "method": "call", "id": next(self._ids),
            "params": {"service": service, "method": method, "args": args},
        })
        response.raise_for_status()
        answer = response.json()
        if answer.get("error"):
            error = answer["error"]
            data = error.get("data") or {}
            raise RpcError(f"{data.get('name', error.get('message'))}: {data.get('message', '')}")
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self._call("object", "execute_kw", self.db, self.uid, self.password,
                          model, method, list(args), kwargs)

    def close(self):
        self.session.close()
