"""Wake Odoo's cron workers over one reused connection.

Odoo's cron threads LISTEN on the ``postgres`` database, so ``ir.cron``
opens a brand-new connection to it for every NOTIFY (it keeps no pool for
that database). Capture wakes the dispatcher after every stock transaction
with real-time material; a fresh connection each time cost more than the
rest of capture together, so this module keeps one per process.
"""

import heapq
import logging
import os
import threading
import time

import psycopg2

from odoo import sql_db

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
_connection = None
_connection_pid = None


# Fail fast: a validation's postcommit must never hang on a dead connection.
CONNECT_OPTIONS = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "options": "-c statement_timeout=2000",
}


def _connect():
    _dbname, params = sql_db.connection_info_for("postgres")
    connection = psycopg2.connect(**dict(params, **CONNECT_OPTIONS))
    connection.autocommit = True
    return connection


def notify_cron_workers(dbname):
    """Send Odoo's ``cron_trigger`` notification for ``dbname``; never raises.

    Bounded: at most two tries of a 2 s connect and a 2 s statement. Threads
    take turns on the connection, but never for longer than that.
    """
    global _connection, _connection_pid
    with _lock:
        for attempt in (1, 2):
            try:
                # A connection made before a fork belongs to the parent process.
                if _connection is None or _connection.closed or _connection_pid != os.getpid():
                    _connection, _connection_pid = _connect(), os.getpid()
                with _connection.cursor() as cr:
                    cr.execute(f"SELECT {ODOO_NOTIFY_FUNCTION}('cron_trigger', %s)", (dbname,))
                _logger.debug("cron workers of %s notified", dbname)
                return True
            except psycopg2.Error as exc:
                _connection = None
                if attempt == 2:
                    # The every-minute cron still dispatches: late, not lost.
                    _logger.warning("Inventory Sync: could not wake the cron workers: %s", exc)
    return False


# Databases to notify at once, and the thread of this process that does it.
_soon = set()
_soon_ready = threading.Condition(threading.Lock())
_notifier = None


def notify_cron_workers_soon(dbname):
    """Send the notification at once, from this process's notifier thread.

    For a stock transaction's postcommit: the user's request does not wait
    for the NOTIFY's round trip (a quarter of a millisecond, a few per cent
    of capture). Notifications asked for while one is being sent are sent
    once, together, right after it. If the process ends first, the 60 s poll
    still runs the job: late, not lost.
    """
    global _notifier
    with _soon_ready:
        _soon.add(dbname)
        # A thread started before a fork does not run in the child.
        if _notifier is None or _notifier.pid != os.getpid() or not _notifier.is_alive():
            _notifier = threading.Thread(
                target=_notify_soon_loop, name="stock_sync.cron_wakeup", daemon=True
            )
            _notifier.pid = os.getpid()
            _notifier.start()
        _soon_ready.notify()


def _notify_soon_loop():
    while True:
        with _soon_ready:
            while not _soon:
                _soon_ready.wait()
            dbnames = sorted(_soon)
            _soon.clear()
        for dbname in dbnames:
            notify_cron_workers(dbname)


# Per database: the wake-ups wanted (time.monotonic() values, a heap) and the
# one timer armed for the earliest of them.
_wanted = {}
_timers = {}
# Wake-ups this close to one already wanted are the same wake-up.
COALESCE_SECONDS = 0.05


def notify_cron_workers_later(dbname, delay):
    """Send the notification in ``delay`` seconds (one daemon timer per database).

    Odoo only notifies its cron workers of triggers due now; one set for a
    retry in 8 s would otherwise wait for the workers' 60 s poll. Every time
    asked for is kept until it passed, not only the earliest: the run an
    earlier wake-up was meant for may already have happened (woken by a
    stock transaction), and then that wake-up finds nothing due, runs
    nothing, and schedules nothing; the later one must still come. If this
    process ends first, the 60 s poll still runs the job: late, not lost.
    """
    due = time.monotonic() + max(delay, 0.0)
    with _lock:
        wanted = _wanted.setdefault(dbname, [])
        if any(abs(other - due) < COALESCE_SECONDS for other in wanted):
            return
        heapq.heappush(wanted, due)
        _arm(dbname)


def _arm(dbname):
    """Arm the database's timer for its earliest wanted wake-up (under ``_lock``)."""
    wanted = _wanted.get(dbname)
    if not wanted:
        return
    current = _timers.get(dbname)
    if current and current.is_alive() and current.due <= wanted[0]:
        return
    if current:
        current.cancel()
    timer = threading.Timer(max(wanted[0] - time.monotonic(), 0.0), _fire, (dbname,))
    timer.daemon = True
    timer.due = wanted[0]
    _timers[dbname] = timer
    timer.start()
    _logger.debug(
        "cron workers of %s will be notified in %.2f s", dbname, wanted[0] - time.monotonic()
    )


def _fire(dbname):
    with _lock:
        wanted = _wanted.get(dbname, [])
        now = time.monotonic()
        while wanted and wanted[0] <= now + COALESCE_SECONDS:
            heapq.heappop(wanted)
        if _timers.get(dbname) is threading.current_thread():
            del _timers[dbname]  # not one armed meanwhile for an earlier wake-up
    notify_cron_workers(dbname)
    with _lock:
        _arm(dbname)
