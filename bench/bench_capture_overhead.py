"""Capture overhead: what the outbox adds to a user's stock transaction.

Receipts (3 move lines) and manufacturing orders (a BoM of 2 components) are
validated with capture ON and OFF, each in its own committed transaction as a
user would, in alternating rounds (ON/OFF, then OFF/ON...) so that drift of
the database (growing tables, caches, autovacuum) hits both modes alike. One
active real-time endpoint, so ON also writes deliveries and the cron trigger.
Target: ON/OFF <= 1.10 per receipt and per MO.
"""

import time

import common

RECEIPT_LINES = 3


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
        common.make_endpoint(e, "Bench capture", "http://127.0.0.1:9/events")
        return products.ids, bom.id


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


def run_block(registry, uid, data, capture, n_receipts, n_mos, timings, counter):
    common.set_capture(registry, capture)
    for _ in range(n_receipts):
        timings[capture]["receipt"].append(timed_receipt(registry, uid, data[0], next(counter)))
    for _ in range(n_mos):
        timings[capture]["mo"].append(timed_mo(registry, uid, data[1]))


def count_events(registry):
    with common.env(registry) as e:
        return e["stock.sync.event"].search_count([]), e["stock.sync.delivery"].search_count([])


def main():
    args = common.parse_args(__doc__)
    n_receipts = common.scaled(60, args.scale)
    n_mos = common.scaled(30, args.scale)
    rounds = 6 if n_receipts >= 12 else 2
    results = common.Results("capture_overhead", args.scale, {
        "receipts_per_mode": n_receipts, "lines_per_receipt": RECEIPT_LINES,
        "mos_per_mode": n_mos, "bom_components": 2, "rounds": rounds,
    })
    registry = common.load(args.conf, args.db)
    uid = common.admin_uid(registry)
    data = setup(registry)
    counter = iter(range(10**9))
    timings = {mode: {"receipt": [], "mo": []} for mode in (True, False)}

    # Warm-up: caches, prepared plans, the first quants of each product.
    warm = {mode: {"receipt": [], "mo": []} for mode in (True, False)}
    for capture in (True, False):
        run_block(registry, uid, data, capture, 3, 2, warm, counter)

    events_before = count_events(registry)
    per_round = (max(1, n_receipts // rounds), max(1, n_mos // rounds))
    for r in range(rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        for capture in order:
            run_block(registry, uid, data, capture, *per_round, timings, counter)
    events_after = count_events(registry)
    common.set_capture(registry, True)

    on, off = timings[True], timings[False]
    results.add("receipt_on_s", common.mean(on["receipt"]), "s", "receipt, capture ON (mean)")
    results.add("receipt_off_s", common.mean(off["receipt"]), "s", "receipt, capture OFF (mean)")
    results.ratio("receipt_ratio", "receipt_on_s", "receipt_off_s", "receipt ON/OFF", ("<=", 1.10))
    results.add("mo_on_s", common.mean(on["mo"]), "s", "MO, capture ON (mean)")
    results.add("mo_off_s", common.mean(off["mo"]), "s", "MO, capture OFF (mean)")
    results.ratio("mo_ratio", "mo_on_s", "mo_off_s", "MO ON/OFF", ("<=", 1.10))
    # Medians are less sensitive to the odd autovacuum or GC pause.
    for kind in ("receipt", "mo"):
        results.add(f"{kind}_on_p50_s", common.percentile(on[kind], 50), "s", f"{kind}, ON (median)")
        results.add(f"{kind}_off_p50_s", common.percentile(off[kind], 50), "s", f"{kind}, OFF (median)")
        results.ratio(f"{kind}_ratio_p50", f"{kind}_on_p50_s", f"{kind}_off_p50_s",
                      f"{kind} ON/OFF (medians)")
    # Sanity: ON wrote one event per move line, OFF none.
    expected = len(on["receipt"]) * RECEIPT_LINES + len(on["mo"]) * 3
    results.add("events_written", events_after[0] - events_before[0], "", "events written (ON rounds)")
    results.add("events_expected", expected, "", "events expected (3 per receipt/MO)")
    results.add("deliveries_written", events_after[1] - events_before[1], "", "deliveries written")
    results.save(timings={("on" if k else "off"): v for k, v in timings.items()})


if __name__ == "__main__":
    main()
