"""Outage behaviour: nothing lost, nothing out of order, quick catch-up.

Same set-up as the latency bench (a real Odoo server with a cron thread, a
steady load of receipts committed here). In the middle of the load the
receiver goes down (its socket closed: connection refused) for a while, then
comes back. The endpoint retries fast for the bench (printed settings).
After the load we wait until everything is delivered and count: lost (must
be 0), duplicates, per-key order violations, time to drain the backlog.

The peer, Odoo's automation-rule webhook on stock moves, goes through the very
same load and outage at the same time (its own counting receiver goes down
and up together with ours), so both see identical moves: moves done vs.
webhook calls received gives what it lost.

A second, shorter scenario ("quiet") has the outage at the end of the load:
the last receipts go out while the receiver is down, it comes back to
silence, and no new transaction wakes the dispatcher: only its own retry
schedule can. Target (issue #8): drained within the retry cap + 5 s after the
receiver returns, with the threaded server (one cron thread) and again in
prefork mode (``--workers=2 --max-cron-threads=1``: the dispatcher runs in a
cron worker process of its own).
"""

import time

from lib import data as bd
from lib import stats
from lib.receivers import CountingReceiver
from lib.registry import admin_uid, env, load, parse_args
from lib.server import OdooServer

RATE = 4  # receipts per second
LINES = 2  # move lines (events) per receipt
WAIT = 120  # seconds to wait for the backlog after the load
QUIET_LOAD = 5  # seconds of load of the second scenario, receiver down
QUIET_DOWN = 10  # seconds the receiver stays down after that load
RETRY = {"retry_base_seconds": 1.0, "retry_max_seconds": 10.0, "max_attempts": 10, "timeout": 5.0}


class Outage:
    """Takes both receivers down at ``start`` s into the load, up again at ``end`` s."""

    def __init__(self, receivers, start, end):
        self.receivers, self.start, self.end = receivers, start, end
        self.down_at = self.up_at = None

    def __call__(self, offset):
        if self.down_at is None and offset >= self.start:
            for receiver in self.receivers:
                receiver.go_down()
            self.down_at = time.time()
        elif self.down_at is not None and self.up_at is None and offset >= self.end:
            for receiver in self.receivers:
                receiver.come_up()
            self.up_at = time.time()

    def finish(self):
        """Back up if the load ended during the outage."""
        self(self.start)
        self(self.end)


def delivery_states(registry, endpoint_id):
    with env(registry) as e:
        e.cr.execute("SELECT state, count(*) FROM stock_sync_delivery WHERE endpoint_id = %s"
                     " GROUP BY state", (endpoint_id,))
        return dict(e.cr.fetchall())


def report_ours(results, committed, receiver, outage):
    ids = [i for _, event_ids, _ in committed for i in event_ids]
    received_at = receiver.received_at
    before_up = [i for t, event_ids, _ in committed if t < outage.up_at for i in event_ids]
    results.add("events", len(ids), "", "outbox: events committed")
    results.add("received", sum(1 for i in ids if i in received_at), "", "outbox: unique received")
    results.add("lost", sum(1 for i in ids if i not in received_at), "", "outbox: lost",
                target=("==", 0))
    results.add("duplicates", receiver.duplicates, "", "outbox: duplicates (at-least-once)")
    results.add("order_violations", len(receiver.order_violations), "",
                "outbox: order violations", target=("==", 0))
    # Drain: from the receiver's return until everything committed before it arrived.
    backlog_done = max((received_at[i] for i in before_up if i in received_at), default=None)
    results.add("drain_s", backlog_done - outage.up_at if backlog_done else None, "s",
                "outbox: drain time after come_up", headline=True)
    results.add("all_received_s", max(received_at.values()) - outage.up_at, "s",
                "outbox: last event received after come_up")


def report_peer(results, committed, counter, calls_before_down):
    moves = sum(n for _, _, n in committed)
    results.add("peer_moves", moves, "", "peer: moves done")
    results.add("peer_calls", counter.calls, "", "peer: webhook calls received")
    results.add("peer_lost", moves - counter.calls, "", "peer: lost", headline=True)
    results.add("peer_calls_before_down", calls_before_down, "", "peer: calls before the outage")


def wait_for_ids(receiver, ids, timeout):
    """Until every one of ``ids`` arrived: a count would also take in stragglers of
    earlier steps (the warm-up's events arriving after a reset)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if receiver.wait_for(len(ids), timeout=0.2) and set(ids) <= receiver.received_at.keys():
            return True
    return False


def quiet_outage(registry, uid, product_ids, receiver, scale, results, mode):
    """Receiver down for the last receipts, back up when nothing else happens."""
    receiver.reset()
    receiver.go_down()
    try:
        committed = bd.receipt_load(registry, uid, product_ids, RATE, QUIET_LOAD * scale, LINES)
        time.sleep(QUIET_DOWN * scale)  # the dispatcher's retries fail meanwhile
    finally:
        receiver.come_up()
    up_at = time.time()
    ids = [i for _, event_ids, _ in committed for i in event_ids]
    wait_for_ids(receiver, ids, WAIT)
    received_at = receiver.received_at
    results.add(f"quiet_{mode}_lost", sum(1 for i in ids if i not in received_at), "",
                f"quiet, {mode}: lost ({len(ids)} events, none after)", target=("==", 0))
    last = max((received_at[i] for i in ids if i in received_at), default=None)
    cap = RETRY["retry_max_seconds"]
    results.add(f"quiet_{mode}_drain_s", last - up_at if last else None, "s",
                f"quiet, {mode}: drained after come_up (retry cap {cap:g} s)",
                target=("<=", cap + 5))


def main():
    args = parse_args(__doc__)
    duration = 40 * args.scale
    down_s = 15 * args.scale
    start = (duration - down_s) / 2
    results = stats.Results("outage", args.scale, dict(
        {"receipts_per_s": RATE, "lines_per_receipt": LINES, "load_s": duration,
         "down_from_s": start, "down_for_s": down_s}, **RETRY))
    registry = load(args.conf, args.db)
    uid = admin_uid(registry)
    product_ids, endpoint_id, receiver = bd.live_setup(registry, "outage", **RETRY)
    counter = CountingReceiver().start()
    with env(registry) as e:
        rule_id = bd.make_webhook_rule(e, counter.url).id  # before the server loads its registry
    try:
        with OdooServer(args.conf, args.db, "outage") as server:
            bd.warm_up(registry, uid, product_ids, receiver)
            receiver.reset()
            counter.reset()
            outage = Outage([receiver, counter], start, start + down_s)
            committed = bd.receipt_load(registry, uid, product_ids, RATE, duration, LINES,
                                            on_tick=outage)
            outage.finish()
            n_events = sum(len(ids) for _, ids, _ in committed)
            receiver.wait_for(n_events, timeout=WAIT)
            failed_batches = server.log_count("Inventory Sync: batch of")
            calls_before_down = sum(1 for t in counter.received_at if t < outage.down_at)
            report_ours(results, committed, receiver, outage)
            results.add("failed_batches", failed_batches, "", "outbox: failed batch attempts (log)")
            results.add("delivery_states", str(delivery_states(registry, endpoint_id)), "",
                        "outbox: delivery states")
            report_peer(results, committed, counter, calls_before_down)
            quiet_outage(registry, uid, product_ids, receiver, args.scale, results, "threaded")
        with env(registry) as e:  # before the next server loads its registry
            e["base.automation"].browse(rule_id).active = False
        with OdooServer(args.conf, args.db, "outage_prefork", workers=2, max_cron_threads=1):
            receiver.reset()  # else the warm-up counts what the first server delivered
            bd.warm_up(registry, uid, product_ids, receiver)
            quiet_outage(registry, uid, product_ids, receiver, args.scale, results, "prefork")
    finally:
        receiver.stop()
        counter.stop()
        with env(registry) as e:
            e["base.automation"].browse(rule_id).active = False
    results.save()


if __name__ == "__main__":
    main()
