"""The delivery engine: claim due deliveries, send them, record the outcome.

Each batch is one short transaction of its own (``_dispatch_batch``):

1. claim: lock due rows ``FOR UPDATE SKIP LOCKED``; the row locks are the
   claim (a dispatcher holding a delivery is one holding its row lock);
2. send: one signed batch per endpoint through the endpoint's transport
   (``services/transport``);
3. record: write the outcome (one attempt more), then commit, which lets
   the rows go.

The locks are those of the batch's deliveries only: no user's stock
transaction takes them (capture inserts new rows), so none ever waits for a
network. Other dispatchers skip locked rows, and the later deliveries of
their keys wait behind them (the per-key order). A dispatcher that dies
before its commit loses nothing: its transaction is rolled back, its locks
go with it, and the rows are due again at once, as they were
(at-least-once; receivers dedupe on the event id). The claim writes no row
version: a delivery is written at capture, numbered, and written with its
outcome (a lease written at the claim, as earlier versions did, cost a
fourth version in every index of the queue).

A run works in lanes, threads that each serve their own share of the
partition keys (``_cron_dispatch``). No transaction of a run lives longer
than a step (a numbering, a batch): an older snapshot would keep
PostgreSQL from pruning the row versions the run leaves behind.
The states and their transitions are in ``stock_sync_delivery``.
"""

import logging
import math
import threading
import time
import traceback
from collections import namedtuple
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, models
from odoo.tools import SQL

from ..services import cron_wakeup, retry_policy, transport, webhook_signature
from ..services.lane_board import LaneBoard
from ..services.transport import Batch, SendResult
from .stock_sync_delivery import DEAD, FAILED, WAITING

_logger = logging.getLogger(__name__)

Claimed = namedtuple("Claimed", "id event_uuid payload attempts partition_key sequence send_alone")

# A claim that collides with another dispatcher's commit is simply tried again.
CLAIM_TRIES = 3
# Looks for sendable candidates per claim, holding blocked ones behind their heads.
CLAIM_ROUNDS = 5
# A multi-event batch failed this many times by a receiver that answers is split.
SPLIT_AFTER_ATTEMPTS = 2
SPLIT_ON = (transport.HTTP_5XX, transport.INVALID_RESPONSE, transport.HTTP_4XX)
# Failures that say the receiver is unreachable: the endpoint rests even for one event.
REST_ON = (transport.TIMEOUT, transport.CONNECTION, transport.CONFIG, transport.INTERNAL)
# A run looks at the whole queue again after this many seconds (see ClaimFloor).
RESCAN_SECONDS = 2.0  # the first time; then as long again as the run has lasted
# Lanes of a run (system parameter stock_sync.dispatch_lanes): see _cron_dispatch.
DEFAULT_LANES = 2
MAX_LANES = 8
# Events numbered or sent in one step of a run that make it a backlog, shared among lanes.
BACKLOG_STEP = 100
# Events numbered per step of a run: while one lane numbers, the other sends
# what is numbered already (a step of 10,000 held both lanes up at a burst).
NUMBER_STEP = 2000
# A run's first step, and each lane's, numbers less: the lanes send those
# events while one of them numbers the rest of a burst (numbering a burst of
# 2,000 events first, serially, was a third of the time it took to send it).
FIRST_NUMBER_STEP = 500
# Coalescing window of cron-started runs, in ms (system parameter
# stock_sync.dispatch_coalesce_ms; 0: none): see _coalescing_wait.
DEFAULT_COALESCE_MS = 200
MAX_COALESCE_MS = 2000
# Under load the window grows to this many times what the previous run lasted
# (the cron worker then spends at most about a ninth of its time in runs)...
LOAD_WINDOW_FACTOR = 8
# ... up to this many times the window set.
LOAD_WINDOW_MAX = 2.5
# {dbname: time.monotonic() at which a cron-started run of this process ended}
_run_ended = {}
# {dbname: seconds that run lasted, its wait left out}
_run_lasted = {}


class ClaimFloor:
    """Where one dispatch run's claims for one endpoint may start looking.

    Within a run, the index entries of the deliveries it sent stay in the
    queue's indexes: PostgreSQL cannot drop them while an older snapshot
    lives (Odoo's cron worker holds one for the whole job, in the transaction
    that locked the job's row; the run's own steps hold none), and every
    claim that starts at the bottom of the queue walks over all of them
    again: the cost of a claim grew with what the run had already sent.
    So each claim remembers where the next one may start:

    * ``event_id``: the lowest event of the due deliveries the claim found
      (the due index's order); everything below was not due, or locked;
    * ``keys``: per partition key, the lowest sequence that was not final
      (delivered or cancelled) at the claim; everything below it was final,
      and only a person (requeue, replay) makes a final delivery wait again.

    ``drained`` tells whether the last claim took every due delivery it saw
    (fewer than a batch, none held behind a key's head).

    The per-key order does not depend on the first (the blocker check reads
    every non-final delivery of a key from its floor up); the second only
    leaves out deliveries that were final. Deliveries that became due below
    the floor (a retry, an event committed late with a
    low id, a requeue) are seen when the floor is dropped: after
    ``RESCAN_SECONDS``, then each time after as long again as the run had
    lasted at the last drop (2, 4, 8, 16, 32 s into the run), and whenever a
    claim finds nothing above it. A drop walks over what the run has sent
    so far: drops at a fixed period made the cost of a run grow with the
    square of what it sent, drops that thin out keep it linear.
    """

    __slots__ = ("drained", "event_id", "keys", "since", "started")

    def __init__(self):
        self.started = time.monotonic()
        self.reset()

    def reset(self):
        self.drained = False
        self.event_id = 0
        self.keys = {}
        self.since = time.monotonic()

    @property
    def stale(self):
        """Time to drop the floor and look at the whole queue again."""
        age = time.monotonic() - self.since
        return age > max(RESCAN_SECONDS, self.since - self.started)

    @property
    def fresh(self):
        return not self.event_id and not self.keys


class StockSyncDispatcher(models.AbstractModel):
    _name = "stock.sync.dispatcher"
    _description = "Inventory Event Dispatcher"

    @api.model
    def _wake_up(self):
        """Ask the dispatch cron to run right after this transaction commits.

        What ``ir.cron._trigger()`` does, made cheap for the stock hot path:
        one plain INSERT of the trigger row (``emit`` runs it in the
        statement that writes the events, see ``_wake_up_insert``), and the
        NOTIFY sent after commit over a reused connection (see
        ``services/cron_wakeup``).
        """
        self.env.cr.execute(self._wake_up_insert())
        row = self.env.cr.fetchone()
        if row:
            self._woken(row[0])

    @api.model
    def _wake_up_insert(self, criticalities=None):
        """``INSERT ... RETURNING id`` of this transaction's dispatch trigger row (``SQL``).

        One row per transaction: it inserts nothing (and returns no row) while
        the row an earlier call of this transaction inserted is still there (a
        savepoint rolled back may have taken it away). Pass what it returns to
        ``_woken``.

        :param criticalities: a set of ``stock.sync.event`` CRITICALITIES keys
            (None counts as ``standard``): insert the row only if an active
            endpoint sends one of them as it comes. Checked by the statement
            itself, in the caller's snapshot (capture's events then need no
            look at the endpoints of their own). None: always.
        """
        cr = self.env.cr
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id("stock_sync.ir_cron_dispatch")
        now = SQL("(now() AT TIME ZONE 'UTC')")
        due = SQL("TRUE")
        if criticalities is not None:
            Endpoint = self.env["stock.sync.endpoint"]
            keys = sorted({criticality or "standard" for criticality in criticalities})
            Endpoint.flush_model(["active", *(f"cadence_{key}" for key in keys)])
            due = SQL(
                "EXISTS (SELECT 1 FROM stock_sync_endpoint WHERE active AND (%s))",
                SQL(" OR ").join(
                    SQL("%s = 'realtime'", SQL.identifier(f"cadence_{key}")) for key in keys
                ),
            )
        return SQL(
            """
            INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
            SELECT %(cron)s, %(now)s, %(now)s, %(now)s
             WHERE NOT EXISTS (SELECT 1 FROM ir_cron_trigger WHERE id = %(previous)s)
               AND %(due)s
            RETURNING id
            """,
            cron=cron_id,
            due=due,
            # The database's clock, like the cron workers' "call_at <= now()": a
            # server clock ahead of it would make the trigger not yet due when
            # the NOTIFY arrives, and the run would wait for the 60 s poll.
            now=now,
            # No log users: a trigger lives for seconds, and each would be a
            # foreign-key check in the stock transaction.
            previous=cr.precommit.data.get("stock_sync.trigger_id") or 0,
        )

    @api.model
    def _woken(self, trigger_id):
        """Remember the trigger row ``_wake_up_insert`` wrote; NOTIFY the cron workers
        after commit."""
        cr = self.env.cr
        cr.precommit.data["stock_sync.trigger_id"] = trigger_id
        data = cr.postcommit.data
        if not data.get("stock_sync.notify"):
            data["stock_sync.notify"] = True
            dbname = cr.dbname
            # From a thread: the user's request does not wait for the round trip.
            cr.postcommit.add(lambda: cron_wakeup.notify_cron_workers_soon(dbname))

    # ------------------------------------------------------------------
    # Cron entry point
    # ------------------------------------------------------------------
    @api.model
    def _cron_dispatch(self, time_budget=None):
        """Send due deliveries until none is left or the time budget is spent.

        A backlog is sent in lanes (system parameter ``stock_sync.dispatch_lanes``,
        default 2), each a thread with its own cursors that serves the
        partition keys hashed to it: a key belongs to one lane, so its order
        holds, and while one lane waits for its receiver or for the database
        the other one works (a lane alone left a core idle either way). A run
        starts in one lane, and shares the work once a step finds a backlog.
        A run the cron starts right after another one first waits for the rest
        of the coalescing window (``_coalescing_wait``).
        """
        started = time.monotonic()
        self.env.flush_all()  # batches run in their own cursors: they must see our writes
        # What the run needs, read in a short transaction of its own (the
        # caller's would otherwise hold its snapshot for the whole run), which
        # also heals the parking.
        with self.env.registry.cursor() as cr:
            env = self._cursor_env(cr)
            params = env["ir.config_parameter"]
            if time_budget is None:
                time_budget = float(params.get_param("stock_sync.dispatch_time_budget") or 50)
            lanes = self._lane_count(params.get_param("stock_sync.dispatch_lanes"))
            # Every company's endpoints, whoever runs the cron (superuser environment).
            endpoint_ids = env["stock.sync.endpoint"].search([]).ids
            self._heal_parking(env, endpoint_ids)
            window = self._coalescing_window(params.get_param("stock_sync.dispatch_coalesce_ms"))
        if not endpoint_ids:
            return 0
        wait = self._coalescing_wait(window)
        if wait:
            # In none of the run's own cursors (Odoo's cron transaction, as for
            # any job, stays open): what commits meanwhile goes out in this run.
            time.sleep(wait)
        working = time.monotonic()
        deadline = started + time_budget
        # A run starts in one lane: at light load it answers soonest (lanes that
        # found nothing ended while the other sent, and events of their keys
        # committed meanwhile waited for the next run: commit -> receiver p95
        # 70-87 ms with two lanes, 27 ms with one). A step that sends a backlog's
        # worth shares the rest among the lanes.
        backlog = BACKLOG_STEP if lanes > 1 else None
        sent, stopped = self._dispatch_lane(endpoint_ids, deadline, backlog=backlog)
        if stopped:
            sent += self._dispatch_in_lanes(endpoint_ids, deadline, lanes)
        # sudo: as above, every company's endpoints.
        self._schedule_next_run(self.env["stock.sync.endpoint"].sudo().browse(endpoint_ids))
        if self.env.context.get("cron_id"):
            ended = _run_ended[self.env.cr.dbname] = time.monotonic()
            _run_lasted[self.env.cr.dbname] = ended - working
        return sent

    @api.model
    def _coalescing_window(self, param):
        """The coalescing window of this run, in seconds (0.0: none); see ``_coalescing_wait``.

        ``param``: the system parameter ``stock_sync.dispatch_coalesce_ms``
        (milliseconds, default 200; 0 for none). A value that is not a finite
        number gives the default; the window is kept within 0 to
        ``MAX_COALESCE_MS``, so a mistyped value cannot hold runs up. Runs
        called directly (not by the cron: no ``cron_id`` in the context) have
        none.
        """
        if not self.env.context.get("cron_id"):
            return 0.0
        try:
            window = float(DEFAULT_COALESCE_MS if param in (None, False, "") else param)
        except ValueError:
            window = DEFAULT_COALESCE_MS
        if not math.isfinite(window):
            window = DEFAULT_COALESCE_MS
        return min(max(window, 0.0), MAX_COALESCE_MS) / 1000

    @api.model
    def _coalescing_wait(self, window):
        """Seconds a run the cron started waits before it looks for work (0.0: none).

        Every stock transaction with real-time material triggers the dispatch
        cron. Under load (a busy product, receipts a few tens of ms apart),
        each started a run of its own for one event: Odoo's cron bookkeeping
        and the run's own statements, about 23 ms, taken from the stock
        transactions on a busy server. A run that starts less than the
        coalescing ``window`` (seconds, from ``_coalescing_window``) after the
        previous run of this process ended first waits until the window is
        over: what commits meanwhile goes out in this run. Odoo deletes, when
        the run ends, only the triggers committed before it started; those
        committed during the wait start the next run, which waits in turn. So
        under load a cron worker runs about once per window, and an event
        waits at most about one window more. After a quiet spell a run starts
        at once: a lone event's latency does not change. The rule is per
        process: with several cron workers, each one coalesces its own runs.

        The window follows the load: it is at least ``LOAD_WINDOW_FACTOR``
        times what the previous run lasted (its wait left out), at most
        ``LOAD_WINDOW_MAX`` times the window set. A run lasts longer when it
        has more to send and when the machine's cores are shared with busy
        stock transactions; then the runs' fixed cost is spread over more
        events, and the cron worker leaves the cores to the transactions.
        Runs of 25 ms or less keep the window set (200 ms).
        """
        dbname = self.env.cr.dbname
        ended = _run_ended.get(dbname)
        if ended is None or not window:
            return 0.0
        window = min(
            max(window, LOAD_WINDOW_FACTOR * _run_lasted.get(dbname, 0.0)),
            LOAD_WINDOW_MAX * window,
            MAX_COALESCE_MS / 1000,
        )
        return max(window - (time.monotonic() - ended), 0.0)

    @api.model
    def _lane_count(self, param):
        # A test's cursors share one connection under a lock: one lane there.
        if self.env.registry.in_test_mode():
            return 1
        try:
            return min(max(int(param or DEFAULT_LANES), 1), MAX_LANES)
        except ValueError:
            return DEFAULT_LANES

    @api.model
    def _dispatch_in_lanes(self, endpoint_ids, deadline, lanes):
        """Run ``lanes`` lanes in threads until each is done; return how many were sent.

        Each lane starts on an equal share of the keys; one that runs dry takes
        half of a busy lane's share (``services/lane_board.py``)."""
        results, errors = [0] * lanes, []
        board = LaneBoard(lanes)

        def run(lane):
            try:
                # Each step of the lane opens its own cursor (_dispatch_lane): this
                # one only carries the environment and runs no query, so it holds
                # no snapshot. An environment is not shared between threads.
                with self.env.registry.cursor() as cr:
                    env = self._cursor_env(cr)
                    results[lane] = env["stock.sync.dispatcher"]._dispatch_lane(
                        endpoint_ids, deadline, lane, board=board
                    )[0]
            except Exception as exc:  # noqa: BLE001 - raised again in the cron's thread
                errors.append(exc)
            finally:
                board.leave(lane)

        threads = [
            threading.Thread(target=run, args=(lane,), name=f"stock_sync lane {lane}")
            for lane in range(lanes)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            # One error goes up to the cron; the other lanes' are logged, not lost.
            for exc in errors[1:]:
                _logger.error("Inventory Sync: another dispatch lane failed too", exc_info=exc)
            raise errors[0]
        return sum(results)

    @api.model
    def _dispatch_lane(self, endpoint_ids, deadline, lane=None, backlog=None, board=None):
        """Claim, send and record batches of ``lane`` until none is due or ``deadline``.

        ``endpoint_ids``: the endpoints served. ``lane``: ``(buckets, modulus)``,
        the share of the partition keys this loop serves (see
        ``Delivery._lock_due``); None: all of them; with ``board`` (a
        ``LaneBoard``): the lane's number on that board, which gives its share
        at each step and more when it runs dry. ``backlog``: stop after a step
        that numbered or sent at least this many events, and before sending
        when a step numbered all it may (``FIRST_NUMBER_STEP``, then
        ``NUMBER_STEP``): more are waiting. Without ``board``, it also ends
        after a step that numbered fewer than its limit and took every due
        delivery each claim saw (``ClaimFloor.drained``). Every step runs in a
        cursor of its own: this method's own transaction runs no query. Returns
        ``(sent, stopped)``: how many were sent, and whether it stopped on a
        backlog.
        """
        sent, more, step = 0, True, FIRST_NUMBER_STEP
        floors = {endpoint_id: ClaimFloor() for endpoint_id in endpoint_ids}
        while more and time.monotonic() < deadline:
            share = board.share(lane) if board else lane
            limit = step
            numbered = self._number_new_events(limit)
            if backlog and numbered == limit:
                # A full step: more are likely waiting (a burst). The lanes send
                # what is numbered while one of them numbers the rest (numbering
                # it all, then sending a batch here, kept them waiting).
                return sent, True
            step = NUMBER_STEP
            progress = sum(
                self._dispatch_batch(endpoint_id, floors[endpoint_id], share)
                for endpoint_id in endpoint_ids
            )
            sent += progress
            if backlog and max(progress, numbered or 0) >= backlog:
                return sent, True
            if board:
                board.after_step(lane, progress)
            if not progress:
                if numbered == 0:
                    more = bool(board) and board.ran_dry(lane, deadline)
                    if more:  # more keys: their floors start from the bottom
                        floors = {endpoint_id: ClaimFloor() for endpoint_id in endpoint_ids}
                elif numbered is None:  # another dispatcher is numbering: look again once done
                    self._wait_for_numbering()
            elif (
                not board
                and numbered is not None
                and numbered < limit
                and all(floor.drained for floor in floors.values())
            ):
                # All that had committed when this step numbered is sent. What
                # committed since came with a dispatch trigger of its own, which
                # Odoo's cron has kept (it deletes only the triggers its job's
                # snapshot saw): the next run sends it. A look to confirm cost
                # every run a numbering and a claim per endpoint.
                break
        return sent, False

    @api.model
    def _wait_for_numbering(self):
        """Return once the numbering under way elsewhere has committed (see the sequence's)."""
        with self.env.registry.cursor() as cr:
            self._cursor_env(cr)["stock.sync.sequence"]._wait_for_numbering()

    @api.model
    def _number_new_events(self, limit=None):
        """Give committed events their per-key sequence, in a short transaction of its own.

        Returns what ``stock.sync.sequence._number_new_events`` returns: how
        many were numbered, or None when another dispatcher numbers, or
        numbered right after this transaction's snapshot was taken (its
        deletions then collide with ours: a serialization failure, rolled
        back here; the caller waits for the numbering and looks again).
        """
        try:
            with self.env.registry.cursor() as cr:
                Sequence = self._cursor_env(cr)["stock.sync.sequence"]
                return (
                    Sequence._number_new_events(limit) if limit else Sequence._number_new_events()
                )
        except pg_errors.SerializationFailure:
            _logger.debug("dispatch: another numbering committed under this one; looking again")
            return None

    @api.model
    def _heal_parking(self, env, endpoint_ids):
        """Once per run, in the run's first short transaction (``env``'s): parked
        deliveries with nothing dead in front go back to the queue."""
        Delivery = env["stock.sync.delivery"]
        for endpoint_id in endpoint_ids:
            Delivery._heal_parking(endpoint_id)

    @api.model
    def _dispatch_batch(self, endpoint_id, floor=None, lane=None):
        """Claim, send and record one batch for endpoint ``endpoint_id`` in a transaction
        of its own; return how many were sent.

        ``floor``: the run's ``ClaimFloor`` for the endpoint, if any; ``lane``: see
        ``_dispatch_lane``.
        """
        sent = []
        for _try in range(CLAIM_TRIES):
            try:
                with self.env.registry.cursor() as cr:
                    env = self._cursor_env(cr)
                    endpoint = env["stock.sync.endpoint"].browse(endpoint_id)
                    return env["stock.sync.dispatcher"]._dispatch_batch_in(
                        endpoint, floor, lane, sent
                    )
            except pg_errors.SerializationFailure:
                if not sent:
                    # Another dispatcher committed on these rows after our snapshot:
                    # what it took is gone, the rest is ours to try again.
                    continue
                # Sent, but the outcome could not be written: nothing was recorded,
                # the rows are due again and go once more (at-least-once).
                if floor is not None:
                    floor.drained = False
                _logger.info(
                    "Inventory Sync: the result of a batch to endpoint %s was dropped; "
                    "its events will be sent again",
                    endpoint_id,
                )
                return sent[0]
        return 0

    @api.model
    def _dispatch_batch_in(self, endpoint, floor=None, lane=None, sent=None):
        """``_dispatch_batch`` in this environment's transaction, which the caller commits.

        ``sent``: a list to which the batch's size is appended once it is on the wire.
        """
        rows = self._claim(endpoint, floor, lane)
        if not rows:
            return 0
        if sent is not None:
            sent.append(len(rows))
        result = self._send(endpoint, rows)
        if result.outcome == transport.REFUSED and not result.endpoint_problem:
            result = self._probe_refusal(endpoint, rows, result)
        self._record(endpoint, rows, result)
        if result.outcome != transport.DELIVERED:
            if floor is not None:
                # Some rows may be due again at once (a refused one goes alone).
                floor.drained = False
            _logger.warning(
                "Inventory Sync: batch of %s events to endpoint %r: %s (%s)",
                len(rows),
                endpoint.name,
                result.error_class,
                result.error,
            )
        return len(rows)

    # ------------------------------------------------------------------
    # Step 1: claim
    # ------------------------------------------------------------------
    def _cursor_env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    @staticmethod
    def _db_now(cr):
        # The database's clock, not this server's: every server compares due times with it.
        cr.execute("SELECT (clock_timestamp() AT TIME ZONE 'UTC')::timestamp")
        return cr.fetchone()[0]

    @api.model
    def _claim(self, endpoint, floor=None, lane=None):
        """Lock up to a batch of due deliveries of ``endpoint``, in key order, in this
        transaction: they are ours until it ends. Returns ``Claimed`` rows, whose
        ``attempts`` counts this one.

        ``floor``: a ``ClaimFloor`` the claim starts from and moves up (a run's own);
        ``lane``: only the keys of this lane (see ``_dispatch_lane``).
        """
        if floor is not None and floor.stale:
            floor.reset()
        rows = self._claim_in(self.env, endpoint, floor, lane)
        if not rows and floor is not None and not floor.fresh:
            # Nothing above the floor: look at the whole queue once more.
            floor.reset()
            rows = self._claim_in(self.env, endpoint, floor, lane)
        return rows

    @api.model
    def _claim_in(self, env, endpoint, floor=None, lane=None):
        Delivery = env["stock.sync.delivery"]
        endpoint = env["stock.sync.endpoint"].browse(endpoint.id)
        now, resting, batch_size = endpoint._claim_state()
        floor = floor if floor is not None else ClaimFloor()
        # Until a claim shows otherwise: nothing this run could take is left.
        floor.drained = True
        if resting:
            return []
        skip_keys = set()
        lowest_due = None
        for _round in range(CLAIM_ROUNDS):
            candidates = Delivery._lock_due(
                endpoint.id,
                now,
                batch_size,
                skip_keys,
                after_event=floor.event_id,
                lane=lane,
            )
            if not candidates:
                return []
            found = len(candidates)
            if lowest_due is None:
                lowest_due = candidates[0][4]  # in event order: the lowest due one
            # A delivery refused inside a batch goes alone, so one bad event
            # cannot sink its neighbours again.
            if candidates[0][3]:
                candidates = candidates[:1]
            else:
                candidates = [row for row in candidates if not row[3]]
            # Keep a row only if nothing earlier of its key is left behind: not due,
            # dead, parked, locked by another dispatcher, or cut by the limit.
            keys = list({row[1] for row in candidates})
            blockers = Delivery._first_blockers(
                endpoint.id,
                keys,
                [row[0] for row in candidates],
                [floor.keys.get(key, 0) for key in keys],
            )
            chosen = [
                row for row in candidates if row[1] not in blockers or row[2] < blockers[row[1]]
            ]
            # What was not final at this claim, per key: its floor from now on.
            # (One pass over the rows: a loop per key cost keys x rows.)
            lowest = dict(blockers)
            for row in chosen:
                if row[1] not in lowest or row[2] < lowest[row[1]]:
                    lowest[row[1]] = row[2]
            floor.keys.update(lowest)
            # A full batch, a refused row sent alone or a key's tail held back: more is due.
            floor.drained = not _round and found < batch_size and len(chosen) == found
            if chosen:
                floor.event_id = lowest_due
                # Locked by _lock_due: read, not written (see the module's docstring).
                return [Claimed(*row) for row in Delivery._claimed([row[0] for row in chosen])]
            # Every candidate waits behind its key's head: hold them there (a head
            # claimed by another dispatcher is due, so it holds nothing: it is about
            # to finish), pass their keys, look again.
            Delivery._hold_behind_heads([row[0] for row in candidates])
            skip_keys.update(row[1] for row in candidates)
        return []

    # ------------------------------------------------------------------
    # Step 2: send
    # ------------------------------------------------------------------
    @api.model
    def _send(self, endpoint, rows):
        """Sign the batch and hand it to the endpoint's transport; never raises."""
        body = "[" + ",".join(row.payload for row in rows) + "]"
        event_ids = [row.event_uuid for row in rows]
        secrets = endpoint._active_secrets()
        if not secrets:
            return SendResult(
                transport.REFUSED,
                error_class=transport.CONFIG,
                error="The endpoint has no active secret: add one.",
                endpoint_problem=True,
            )
        try:
            headers = webhook_signature.sign_headers(
                secrets, webhook_signature.message_id(event_ids), body
            )
        except ValueError:
            return SendResult(
                transport.REFUSED,
                error_class=transport.CONFIG,
                error="An active secret of the endpoint is malformed: archive it and add a new one.",
                endpoint_problem=True,
            )
        batch = Batch(
            endpoint_key=endpoint._transport_key(),
            address=endpoint.sudo().url,  # sudo: the URL is a manager-only field
            timeout=endpoint.timeout,
            events=[(row.event_uuid, row.payload) for row in rows],
            body=body,
            headers=headers,
            partition_keys=[row.partition_key for row in rows],
        )
        try:
            return endpoint._transport().send(batch)
        except Exception as exc:  # noqa: BLE001 - recorded with its traceback, never lost
            # A transport turns every network and receiver problem into a result;
            # anything else is a bug, but the claimed rows must still get an
            # outcome, or they would be claimed and sent again forever.
            _logger.exception(
                "Inventory Sync: unexpected error sending to endpoint %r", endpoint.name
            )
            return SendResult(
                transport.RETRY,
                error_class=transport.INTERNAL,
                error=f"Unexpected {exc.__class__.__name__} in the dispatcher: "
                "see the traceback on the delivery.",
                traceback=traceback.format_exc(),
            )

    @api.model
    def _probe_refusal(self, endpoint, rows, result):
        """Is a refused batch about its events, or about the endpoint?

        Send the first event of two different keys alone: if both are refused
        alike (``retry_policy.refused_alike``), the receiver refuses everything
        and the batch's result becomes an endpoint problem. Otherwise the
        probes keep their own results and the rest of the batch is split.
        """
        heads = {}
        for row in rows:
            heads.setdefault(row.partition_key, row)
        if len(heads) < 2:
            return result
        first, second = list(heads.values())[:2]
        answers = [self._send(endpoint, [first]), self._send(endpoint, [second])]
        if retry_policy.refused_alike(*answers):
            answers[1].endpoint_problem = True
            return answers[1]
        result.per_event = {first.event_uuid: answers[0], second.event_uuid: answers[1]}
        return result

    # ------------------------------------------------------------------
    # Step 3: record
    # ------------------------------------------------------------------
    @api.model
    def _record(self, endpoint, rows, result):
        """Write ``result`` for the ``rows`` this transaction claimed (and still locks)."""
        env = self.env
        Delivery = env["stock.sync.delivery"]
        endpoint = env["stock.sync.endpoint"].browse(endpoint.id)
        now = self._db_now(env.cr)
        # Rows that share a result (the batch's, or a probe's) are recorded together.
        groups = {}
        for row in rows:
            outcome = result.for_event(row.event_uuid)
            groups.setdefault(id(outcome), (outcome, []))[1].append(row)
        dead_ids, dead_error = [], None
        for outcome, group in groups.values():
            ids = [row.id for row in group]
            if outcome.outcome == transport.DELIVERED:
                Delivery._mark_delivered(ids, now, outcome)
                endpoint._mark_healthy()
            elif outcome.endpoint_problem:
                retry_at = endpoint._rest_after_problem(now)
                Delivery._mark_waiting_for_endpoint(ids, now, outcome, retry_at)
                revived = Delivery._revive_refused_alike(endpoint.id, outcome, retry_at)
                Delivery._unpark_followers(revived)
                endpoint._alert_managers("problem", outcome.error)
            elif outcome.outcome == transport.REFUSED and outcome is result and len(rows) > 1:
                # Refused as a batch: try each event alone before declaring any dead.
                Delivery._mark_send_alone(ids, now, outcome)
            else:
                died = self._record_failure(endpoint, group, outcome, now)
                dead_ids += died
                dead_error = dead_error or (died and outcome.error)
        if dead_ids:
            # Once every row has its state: what follows a dead one in its key waits.
            Delivery._park_followers(dead_ids)
            endpoint._alert_managers("dead", dead_error)

    @api.model
    def _record_failure(self, endpoint, rows, result, now):
        """FAILED with backoff, or DEAD when refused alone or out of attempts; returns
        the dead ids."""
        Delivery = endpoint.env["stock.sync.delivery"]
        states, next_attempts = [], []
        for row in rows:
            dead = result.outcome == transport.REFUSED or row.attempts >= endpoint.max_attempts
            # Never sooner than the backoff: a "Retry-After: 0" must not
            # burn every attempt within a second.
            delay = max(
                result.retry_after or 0.0,
                retry_policy.backoff_seconds(
                    row.attempts, endpoint.retry_base_seconds, endpoint.retry_max_seconds
                ),
            )
            delay = min(delay, max(endpoint.retry_max_seconds, endpoint.retry_base_seconds))
            states.append(DEAD if dead else FAILED)
            next_attempts.append(now + timedelta(seconds=delay))
        # A batch that keeps failing while the receiver answers may hold one
        # poison event: its events go alone from now on, so only that one dies.
        split = (
            len(rows) > 1
            and result.error_class in SPLIT_ON
            and max(row.attempts for row in rows) >= SPLIT_AFTER_ATTEMPTS
        )
        dead_ids = Delivery._mark_failed_or_dead(
            [row.id for row in rows], states, next_attempts, now, result, split=split
        )

        retry_at = min(
            (n for n, s in zip(next_attempts, states, strict=True) if s == FAILED), default=None
        )
        if retry_at and not (rows[0].send_alone and result.error_class not in REST_ON):
            # Rest the endpoint: the receiver is unwell, do not fail the whole queue.
            # An event sent alone because its batch kept failing (a poison
            # suspect) only waits for itself, unless the receiver is unreachable.
            endpoint._rest_until(retry_at)
        return dead_ids

    # ------------------------------------------------------------------
    @api.model
    def _schedule_next_run(self, endpoints):
        """Wake up again when the earliest retry, rest or batch window is due."""
        if not endpoints:
            return
        # A fresh cursor: this run's own transaction predates what it recorded.
        # Times are the database's, like every next_attempt_at.
        with self.env.registry.cursor() as cr:
            cr.execute(
                """
                SELECT MIN(GREATEST(d.next_attempt_at, COALESCE(e.paused_until, d.next_attempt_at))),
                       (clock_timestamp() AT TIME ZONE 'UTC')::timestamp
                  FROM stock_sync_delivery d
                  JOIN stock_sync_endpoint e ON e.id = d.endpoint_id
                 WHERE d.endpoint_id = ANY(%s) AND d.state IN %s AND NOT COALESCE(e.paused, FALSE)
                """,
                (endpoints.ids, WAITING),
            )
            earliest, now = cr.fetchone()
        _logger.debug("dispatch: next run at %s (now %s)", earliest, now)
        if earliest and earliest < now + timedelta(minutes=1):
            # sudo: ir.cron is technical; the trigger is ours to set.
            cron = self.env.ref("stock_sync.ir_cron_dispatch").sudo()
            cron._trigger(at=earliest)  # ir.cron compares call_at with the database clock
            if earliest > now:
                dbname = self.env.cr.dbname
                delay = (earliest - now).total_seconds() + 0.5  # the trigger row must be due
                self.env.cr.postcommit.add(
                    lambda: cron_wakeup.notify_cron_workers_later(dbname, delay)
                )
