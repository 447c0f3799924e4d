"""Poison event: one event the receiver cannot process, in a batch of other keys.

KEYS events, one per product, wait for one real-time endpoint (batches of
KEYS, retries fast for the bench: printed settings), then one more event of
the poison's product. The suite's receiver, in this process, answers 500 to
any batch that holds the poison event (the 51st), as a receiver does when one
malformed event makes it fail, and accepts the rest. ``_cron_dispatch`` runs
in this process every POLL_S seconds, as a cron woken on time would: the
bench measures what the engine does with the batch, not its wake-ups (the
outage bench measures those).

Targets (issue #8): 1 dead letter (the poison), 0 parked innocents of other
keys (the poison's own later event waits behind it, as per-key order wants),
and the rest delivered within one retry cycle: before the retry cap (the
longest wait between two tries) has gone by once after the first failure.
"""

import logging
import time

from lib import data as bd
from lib import stats
from lib.receivers import webhook_receiver
from lib.registry import admin_uid, env, load, parse_args

KEYS = 100
POISON_AT = 50  # the poison's place in the batch
POLL_S = 0.2
WAIT = 120  # seconds: bounds the bench if the poison never dies
RETRY = {"retry_base_seconds": 1.0, "retry_max_seconds": 10.0, "max_attempts": 5,
         "timeout": 5.0, "batch_size": KEYS}


def setup(registry, uid):
    with env(registry) as e:
        products = bd.make_products(e, KEYS, "PSN", "critical")
        endpoint, secret = bd.make_endpoint(e, "Bench poison", "http://127.0.0.1:9/events",
                                            **RETRY)
        endpoint_id = endpoint.id
    with env(registry) as e:  # the template receipt's event must not join the batch
        e["stock.sync.endpoint"].browse(endpoint_id).active = False
    template = bd.template_data(registry, uid, products.ids[0])
    with env(registry) as e:
        e["stock.sync.endpoint"].browse(endpoint_id).active = True
    return products.ids, endpoint_id, secret, template


def states(registry, endpoint_id, poison_key):
    """Counts of the endpoint's deliveries by (state, poison's key or not)."""
    with env(registry) as e:
        e.cr.execute("""
            SELECT state, partition_key = %s, count(*) FROM stock_sync_delivery
             WHERE endpoint_id = %s GROUP BY 1, 2""", (poison_key, endpoint_id))
        return {(state, own): n for state, own, n in e.cr.fetchall()}


def main():
    args = parse_args(__doc__)
    results = stats.Results("poison_event", args.scale, dict(
        {"keys": KEYS, "poison_at": POISON_AT, "poll_s": POLL_S}, **RETRY))
    registry = load(args.conf, args.db)
    # One warning per failed batch: the bench counts the requests itself.
    logging.getLogger("odoo.addons.stock_sync.models.stock_sync_dispatcher").setLevel(logging.ERROR)
    uid = admin_uid(registry)
    product_ids, endpoint_id, secret, template = setup(registry, uid)
    uuids = bd.emit_backlog(registry, KEYS, product_ids, template, reference="PSN")
    poison = uuids[POISON_AT]
    sibling = bd.emit_backlog(registry, 1, [product_ids[POISON_AT]], template,
                              reference="PSN-AFTER")[0]
    innocents = [u for u in uuids if u != poison]
    with env(registry) as e:
        poison_key = e["stock.sync.event"].search([("event_uuid", "=", poison)]).partition_key
    receiver = webhook_receiver(secret, poison_ids={poison})
    try:
        with env(registry) as e:
            e["stock.sync.endpoint"].browse(endpoint_id).url = receiver.url
        started = time.time()
        rest_at = dead_at = None
        while time.time() - started < WAIT and not (rest_at and dead_at):
            with env(registry) as e:
                e["stock.sync.dispatcher"]._cron_dispatch(time_budget=10)
            received = receiver.received_at
            if rest_at is None and all(u in received for u in innocents):
                rest_at = max(received[u] for u in innocents)
            if dead_at is None and states(registry, endpoint_id, poison_key).get(("dead", True)):
                dead_at = time.time()
            time.sleep(POLL_S)
        found = states(registry, endpoint_id, poison_key)
        requests = receiver.requests
    finally:
        receiver.stop()

    first_failure = min((r["time"] for r in requests if r["status"] == 500), default=None)
    cap = RETRY["retry_max_seconds"]
    results.add("dead", sum(n for (s, _own), n in found.items() if s == "dead"), "",
                "dead letters", target=("==", 1))
    results.add("poison_dead", found.get(("dead", True), 0), "", "  of which the poison")
    results.add("parked_innocents", found.get(("parked", False), 0), "",
                "parked deliveries of other keys", target=("==", 0))
    results.add("innocents_delivered", sum(1 for u in innocents if u in receiver.received_at),
                "", f"innocent events delivered (of {len(innocents)})",
                target=("==", len(innocents)))
    results.add("sibling_parked", found.get(("parked", True), 0), "",
                "the poison's later event, parked behind it")
    results.add("sibling_delivered", int(sibling in receiver.received_at), "",
                "  delivered before the poison (order violation)", target=("==", 0))
    rest_s = rest_at - first_failure if rest_at and first_failure else None
    results.add("rest_s", rest_s, "s", "rest delivered, after the first failure", headline=True)
    results.add("rest_cycles", rest_s / cap if rest_s is not None else None, "x",
                f"  in retry cycles (cap {cap:g} s)", target=("<=", 1.0))
    results.add("rest_in_base_delays", rest_s / RETRY["retry_base_seconds"] if rest_s else None,
                "x", "  in first-retry delays")
    results.add("dead_s", dead_at - first_failure if dead_at and first_failure else None, "s",
                f"poison dead after the first failure ({RETRY['max_attempts']} attempts)")
    results.add("requests", len(requests), "", "HTTP requests in all")
    results.add("order_violations", len(receiver.order_violations), "",
                "receiver: per-key order violations", target=("==", 0))
    results.save(states={f"{s}{' (poison key)' if own else ''}": n for (s, own), n in found.items()})


if __name__ == "__main__":
    main()
