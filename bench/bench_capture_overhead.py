"""Capture overhead: what the outbox adds to a user's stock transaction.

Receipts (3 move lines) and manufacturing orders (a BoM of 2 components) are
validated with capture ON and OFF, each in its own committed transaction as a
user would, in rounds whose order rotates (ON/OFF/..., then OFF/.../ON) so
that drift of the database (growing tables, caches, autovacuum) hits every
mode alike. One active real-time endpoint, so ON also writes deliveries and
triggers the dispatch cron. Target: ON/OFF <= 1.10 per receipt and per MO.

A third mode, ON with the endpoint on scheduled batches, writes the same
events and deliveries but triggers no cron: the difference to ON is the cost
of the real-time wake-up (ir.cron trigger and NOTIFY after commit).
"""

import time

import common

RECEIPT_LINES = 3
MO_EVENTS = 3  # 2 components consumed + 1 finished product
CADENCES = ("cadence_critical", "cadence_standard", "cadence_bulk")
MODES = {
    # mode: (capture on, endpoint cadence)
    "on": (True, "realtime"),
    "off": (False, "realtime"),
    "on_batch": (True, "batch"),
}


def setup(registry):
    """Products, a BoM with stocked components, one endpoint; committed."""
    with common.env(registry) as e:
        products = common.make_products(e, 30, "CAP", "standard")
        finished = common.make_products(e, 1, "CAPFIN", "standard")
        components = common.make_products(e, 2, "CAPCMP", "standard")
        bom = common.make_bom(e, finished, [(components[0], 2), (components[1], 1)])
        stock = common.warehouse(e).lot_stock_id
        for component in components:  # plenty, so every MO can reserve
            e["stock.quant"]._update_available_quantity(component, stock, 100000)
        # Never contacted: nothing dispatches during this bench.
        endpoint, _secret = common.make_endpoint(e, "Bench capture", "http://127.0.0.1:9/events")
        return {"product_ids": products.ids, "bom_id": bom.id, "endpoint_id": endpoint.id}


def set_mode(registry, data, mode):
    capture, cadence = MODES[mode]
    common.set_capture(registry, capture)
    with common.env(registry) as e:
        e["stock.sync.endpoint"].browse(data["endpoint_id"]).write(dict.fromkeys(CADENCES, cadence))


def timed_receipt(registry, uid, product_ids, i):
    started = time.perf_counter()
    with common.env(registry, uid) as e:
        products = e["product.product"].browse(product_ids)
        lines = [(products[(RECEIPT_LINES * i + k) % len(products)], 5) for k in range(RECEIPT_LINES)]
        common.validate_receipt(e, lines)
    return time.perf_counter() - started


def timed_mo(registry, uid, bom_id):
    started = time.perf_counter()
    with common.env(registry, uid) as e:
        common.produce(e, e["mrp.bom"].browse(bom_id))
    return time.perf_counter() - started


def run_block(registry, uid, data, mode, sizes, timings, counter):
    """``sizes`` = (receipts, MOs) validated in ``mode``; durations appended to ``timings``."""
    set_mode(registry, data, mode)
    for _ in range(sizes[0]):
        timings[mode]["receipt"].append(timed_receipt(registry, uid, data["product_ids"], next(counter)))
    for _ in range(sizes[1]):
        timings[mode]["mo"].append(timed_mo(registry, uid, data["bom_id"]))


def count_events(registry):
    with common.env(registry) as e:
        return e["stock.sync.event"].search_count([]), e["stock.sync.delivery"].search_count([])


def report(results, timings):
    on, off, batch = timings["on"], timings["off"], timings["on_batch"]
    for kind, label in (("receipt", "receipt"), ("mo", "MO")):
        results.add(f"{kind}_on_s", common.mean(on[kind]), "s", f"{label}, capture ON (mean)",
                    headline=True)
        results.add(f"{kind}_off_s", common.mean(off[kind]), "s", f"{label}, capture OFF (mean)",
                    headline=True)
        results.ratio(f"{kind}_ratio", f"{kind}_on_s", f"{kind}_off_s", f"{label} ON/OFF",
                      ("<=", 1.10))
        # Medians are less sensitive to the odd autovacuum or GC pause.
        results.add(f"{kind}_on_p50_s", common.percentile(on[kind], 50), "s", f"{label}, ON (median)")
        results.add(f"{kind}_off_p50_s", common.percentile(off[kind], 50), "s",
                    f"{label}, OFF (median)")
        results.ratio(f"{kind}_ratio_p50", f"{kind}_on_p50_s", f"{kind}_off_p50_s",
                      f"{label} ON/OFF (medians)")
        results.add(f"{kind}_batch_s", common.mean(batch[kind]), "s",
                    f"{label}, ON, batch cadence: no cron trigger (mean)")
        results.ratio(f"{kind}_ratio_batch", f"{kind}_batch_s", f"{kind}_off_s",
                      f"{label} ON-batch/OFF", headline=True)


def main():
    args = common.parse_args(__doc__)
    n_receipts = common.scaled(60, args.scale)
    n_mos = common.scaled(30, args.scale)
    rounds = 6 if n_receipts >= 12 else 3
    results = common.Results("capture_overhead", args.scale, {
        "receipts_per_mode": n_receipts, "lines_per_receipt": RECEIPT_LINES,
        "mos_per_mode": n_mos, "bom_components": 2, "rounds": rounds, "modes": "/".join(MODES),
    })
    registry = common.load(args.conf, args.db)
    uid = common.admin_uid(registry)
    data = setup(registry)
    counter = iter(range(10**9))
    timings = {mode: {"receipt": [], "mo": []} for mode in MODES}

    # Warm-up: caches, prepared plans, the first quants of each product.
    warm = {mode: {"receipt": [], "mo": []} for mode in MODES}
    for mode in MODES:
        run_block(registry, uid, data, mode, (3, 2), warm, counter)

    events_before = count_events(registry)
    sizes = (max(1, n_receipts // rounds), max(1, n_mos // rounds))
    modes = list(MODES)
    for r in range(rounds):
        for mode in modes[r % len(modes):] + modes[:r % len(modes)]:  # rotate the order
            run_block(registry, uid, data, mode, sizes, timings, counter)
    events_after = count_events(registry)
    set_mode(registry, data, "on")

    report(results, timings)
    # Sanity: ON wrote one event (and one delivery) per move line, OFF none.
    ops = [timings[m] for m in ("on", "on_batch")]
    expected = sum(len(t["receipt"]) * RECEIPT_LINES + len(t["mo"]) * MO_EVENTS for t in ops)
    results.add("events_written", events_after[0] - events_before[0], "", "events written",
                target=("==", expected))
    results.add("deliveries_written", events_after[1] - events_before[1], "", "deliveries written",
                target=("==", expected))
    results.save(timings=timings)


if __name__ == "__main__":
    main()
