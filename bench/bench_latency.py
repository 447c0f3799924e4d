"""End-to-end latency: from the user's commit to the receiver's acceptance.

A real Odoo server runs with one cron thread, as in production: real-time
captures trigger the dispatch cron (NOTIFY after commit), which sends the
events. This process commits a steady load of receipts of critical material,
each in its own transaction, and notes the time right after each commit; the
receiver, in this process too (same clock), notes when it first accepted each
event. Target: p95 <= 1 s.
"""

from lib import data as bd
from lib import stats
from lib.registry import admin_uid, load, parse_args
from lib.server import OdooServer

RATE = 5  # receipts per second
LINES = 2  # move lines (events) per receipt
WAIT = 90  # seconds to wait for stragglers after the load (the cron also polls every 60 s)


def main():
    args = parse_args(__doc__)
    duration = 30 * args.scale
    results = stats.Results("latency", args.scale, {
        "receipts_per_s": RATE, "lines_per_receipt": LINES, "load_s": duration,
        "server": "odoo --workers=0 --max-cron-threads=1",
    })
    registry = load(args.conf, args.db)
    uid = admin_uid(registry)
    product_ids, _endpoint_id, receiver = bd.live_setup(registry, "latency")
    try:
        with OdooServer(args.conf, args.db, "latency") as server:
            bd.warm_up(registry, uid, product_ids, receiver)
            receiver.reset()
            committed = bd.receipt_load(registry, uid, product_ids, RATE, duration, LINES)
            n_events = sum(len(ids) for _, ids, _ in committed)
            receiver.wait_for(n_events, timeout=WAIT)
            server_warnings = server.log_count(" WARNING ")
        received_at = receiver.received_at
    finally:
        receiver.stop()

    latencies = [received_at[i] - t for t, ids, _ in committed for i in ids if i in received_at]
    span = committed[-1][0] - committed[0][0] if len(committed) > 1 else 0
    results.add("receipts", len(committed), "", "receipts committed")
    results.add("receipt_rate", (len(committed) - 1) / span if span else None, "/s",
                "achieved receipts per second")
    results.add("events", n_events, "", "events committed")
    results.add("missing", n_events - len(latencies), "", f"events not received after {WAIT} s",
                target=("==", 0))
    results.add("p50_s", stats.percentile(latencies, 50), "s", "latency p50")
    results.add("p95_s", stats.percentile(latencies, 95), "s", "latency p95", target=("<=", 1.0))
    results.add("p99_s", stats.percentile(latencies, 99), "s", "latency p99")
    results.add("max_s", max(latencies, default=None), "s", "latency max", headline=True)
    results.add("over_5s", sum(1 for x in latencies if x > 5), "", "events later than 5 s")
    results.add("server_warnings", server_warnings, "", "server log warnings")
    results.save(latencies=latencies)


if __name__ == "__main__":
    main()
