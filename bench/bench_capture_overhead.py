"""Capture overhead: what the outbox adds to a user's stock transaction.

Receipts (3 move lines) and manufacturing orders (a BoM of 2 components) are
validated with capture ON and OFF, each in its own committed transaction as a
user would, with one active real-time endpoint, so ON also writes deliveries
and triggers the dispatch cron. Target: ON/OFF <= 1.03 per receipt and per MO
(OCA queue_job's enqueue costs 1.00-1.03 measured the same way).

The target is judged on operations ON and OFF *in turn* (ON, OFF, OFF, ON,
...): capture is switched in the bench's process, so that every ON operation
has an OFF neighbour and load that comes and goes on a shared machine hits
both alike: 768 receipts and 384 MOs per mode (at scale 1), with a 90 %
bootstrap interval of the ratio over the pairs. On a shared 2-core machine
two neighbouring receipts of 140-210 ms differ by about 29 ms (standard
deviation of the pairs' difference), two MOs of 200-300 ms by 40-45 ms:
192 and 96 pairs left the ratio 1.7 and 2.2 % either way, as wide as the
overhead measured; 768 and 384 pairs leave it 1.0-1.3 %. Blocks of
one mode after another (switched through the system parameters, rounds whose
order rotates) drift by several per cent from run to run on a busy 2-core
machine; they also give the other modes:

* ON with the endpoint on scheduled batches writes the same events and
  deliveries but triggers no cron: the difference to ON is the cost of the
  real-time wake-up (ir.cron trigger and NOTIFY after commit);
* ON without payload validation (system parameter ``stock_sync.validate_data``
  False; the default checks every event's ``data`` against its JSON Schema in
  ``emit``): ON / ON-unvalidated is what validation costs. Validation is a
  small part of a receipt, smaller than the noise of timing whole
  transactions, so it is also timed alone: the schema check of a real
  movement event's ``data``, repeated, as a share of the mean receipt and MO.

Last, what each part of capture costs: receipts and MOs in mode ON with a
timer around each part (payload building, schema validation, the insert of
events with the cron trigger, the wake-up after commit; since 18.0.1.6.0 the
on-hand figures are given as the dispatcher numbers the events, and the
insert itself checks whether an endpoint sends at once), in ms per receipt and per MO. Those
timers slow the operations down a little, so they run after the rest.
"""

import contextlib
import functools
import importlib
import time
from collections import defaultdict

from lib import data as bd
from lib import stats
from lib.registry import admin_uid, env, load, parse_args, scaled, set_capture, set_validation

RECEIPT_LINES = 3
MO_EVENTS = 3  # 2 components consumed + 1 finished product
CADENCES = ("cadence_critical", "cadence_standard", "cadence_bulk")
MODES = {
    # mode: (capture on, endpoint cadence, payload validation)
    "on": (True, "realtime", True),
    "off": (False, "realtime", True),
    "on_batch": (True, "batch", True),
    "on_unvalidated": (True, "realtime", False),
}


def setup(registry):
    """Products, a BoM with stocked components, one endpoint; committed."""
    with env(registry) as e:
        products = bd.make_products(e, 30, "CAP", "standard")
        finished = bd.make_products(e, 1, "CAPFIN", "standard")
        components = bd.make_products(e, 2, "CAPCMP", "standard")
        bom = bd.make_bom(e, finished, [(components[0], 2), (components[1], 1)])
        stock = bd.warehouse(e).lot_stock_id
        for component in components:  # plenty, so every MO can reserve
            e["stock.quant"]._update_available_quantity(component, stock, 100000)
        # Never contacted: nothing dispatches during this bench.
        endpoint, _secret = bd.make_endpoint(e, "Bench capture", "http://127.0.0.1:9/events")
        return {"product_ids": products.ids, "bom_id": bom.id, "endpoint_id": endpoint.id}


def set_mode(registry, data, mode):
    capture, cadence, validation = MODES[mode]
    set_capture(registry, capture)
    set_validation(registry, validation)
    with env(registry) as e:
        e["stock.sync.endpoint"].browse(data["endpoint_id"]).write(dict.fromkeys(CADENCES, cadence))


def timed_receipt(registry, uid, product_ids, i):
    started = time.perf_counter()
    with env(registry, uid) as e:
        products = e["product.product"].browse(product_ids)
        lines = [
            (products[(RECEIPT_LINES * i + k) % len(products)], 5) for k in range(RECEIPT_LINES)
        ]
        bd.validate_receipt(e, lines)
    return time.perf_counter() - started


def timed_mo(registry, uid, bom_id):
    started = time.perf_counter()
    with env(registry, uid) as e:
        bd.produce(e, e["mrp.bom"].browse(bom_id))
    return time.perf_counter() - started


def run_block(registry, uid, data, mode, sizes, timings, counter):
    """``sizes`` = (receipts, MOs) validated in ``mode``; durations appended to ``timings``."""
    set_mode(registry, data, mode)
    for _ in range(sizes[0]):
        timings[mode]["receipt"].append(
            timed_receipt(registry, uid, data["product_ids"], next(counter))
        )
    for _ in range(sizes[1]):
        timings[mode]["mo"].append(timed_mo(registry, uid, data["bom_id"]))


def count_events(registry):
    """Events and deliveries so far: the events numbered first, as the dispatcher
    does after commit (their deliveries are written then)."""
    with env(registry) as e:
        while e["stock.sync.sequence"]._number_new_events():
            pass
        return e["stock.sync.event"].search_count([]), e["stock.sync.delivery"].search_count([])


def validation_cost(registry, repeat=500):
    """Seconds one schema check of a real movement event's ``data`` takes, as ``emit`` does it."""
    from odoo.addons.stock_sync.services import schema

    with env(registry) as e:
        event = e["stock.sync.event"].search([("type", "=", bd.MOVEMENT)], limit=1)
        path = e["stock.sync.event.type"]._definition(event.type)[1]
        data = event.payload["data"]
    assert not schema.errors(path, data)  # the validator is built and cached, as in a server
    started = time.perf_counter()
    for _ in range(repeat):
        schema.errors(path, data)
    return (time.perf_counter() - started) / repeat


# What capture does, part by part: (label, where, name). ``where`` is a model
# (its registry class is patched, so overrides in glue modules are included)
# or a module of stock_sync (a function looked up through the module at call time).
PARTS = (
    ("capture", "stock.sync.event", "_capture_move_lines"),
    ("payload", "stock.move.line", "_stock_sync_event_data"),
    ("validation", "odoo.addons.stock_sync.services.schema", "errors"),
    ("emit", "stock.sync.event", "emit"),
    ("insert", "odoo.addons.stock_sync.models.stock_sync_event", "insert_rows_listed"),
    ("wake_up", "stock.sync.dispatcher", "_wake_up"),
    ("notify", "odoo.addons.stock_sync.services.cron_wakeup", "notify_cron_workers"),
)
PART_LABELS = {
    "capture": "all of capture, in the transaction",
    "payload": "payload building",
    "validation": "schema validation (validate_data)",
    "emit": "emit: envelope, fan-out, insert, wake-up",
    "insert": "INSERT of events, numbering queue, cron trigger if due (one statement)",
    "wake_up": "cron trigger row on its own (a later emit of the transaction)",
    "notify": "NOTIFY of the cron workers, after commit",
}


@contextlib.contextmanager
def timed_parts(registry, spent):
    """Time every part of capture while the block runs: ``spent[part]`` += seconds."""

    def timer(label, func):
        @functools.wraps(func)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        return timed

    patched = []  # (owner, name, original attribute or None when inherited)
    for label, where, name in PARTS:
        owner = registry[where] if where in registry else importlib.import_module(where)
        if not hasattr(owner, name):
            continue  # a part that this version of the module does not have
        own = owner.__dict__.get(name)
        patched.append((owner, name, own))
        setattr(owner, name, timer(label, getattr(owner, name)))
    try:
        yield spent
    finally:
        for owner, name, own in reversed(patched):
            if own is None:
                delattr(owner, name)
            else:
                setattr(owner, name, own)


def measure_parts(registry, uid, data, counter, n_receipts, n_mos):
    """ms per receipt and per MO spent in each part of capture (mode ON)."""
    set_mode(registry, data, "on")
    parts = {}
    for kind, count, run in (
        (
            "receipt",
            n_receipts,
            lambda: timed_receipt(registry, uid, data["product_ids"], next(counter)),
        ),
        ("mo", n_mos, lambda: timed_mo(registry, uid, data["bom_id"])),
    ):
        spent, total = defaultdict(float), 0.0
        with timed_parts(registry, spent):
            for _ in range(count):
                total += run()
        parts[kind] = ({k: 1000 * v / count for k, v in spent.items()}, 1000 * total / count)
    return parts


def report_parts(results, parts):
    for kind, label in (("receipt", "receipt"), ("mo", "MO")):
        spent, total = parts[kind]
        results.add(f"{kind}_parts_total_ms", total, "ms", f"{label} (ON, timers on), mean")
        for part, part_label in PART_LABELS.items():
            if part in spent:
                results.add(
                    f"{kind}_part_{part}_ms",
                    spent[part],
                    "ms",
                    f"  {label}: {part_label}",
                    headline=part == "capture",
                )


def paired_on_off(registry, uid, data, counter, n_receipts, n_mos):
    """Receipts and MOs with capture ON and OFF in turn, one operation each.

    Capture is switched in this process (``_capture_enabled``, the check the
    ``stock_sync.capture_paused`` parameter feeds), so switching costs nothing
    and clears no cache: each ON operation has an OFF neighbour, and load
    that comes and goes on a shared machine hits both alike. Validation on,
    real-time endpoint: the production defaults.
    """
    set_mode(registry, data, "on")
    Event = registry["stock.sync.event"]
    state = {"on": True}
    had_own = "_capture_enabled" in Event.__dict__
    original = Event._capture_enabled

    def capture_enabled(self):
        return state["on"] and original(self)

    Event._capture_enabled = capture_enabled
    timings = {mode: {"receipt": [], "mo": []} for mode in ("on", "off")}
    try:
        for i in range(max(n_receipts, n_mos)):
            for mode in ("on", "off") if i % 2 == 0 else ("off", "on"):
                state["on"] = mode == "on"
                if i < n_receipts:
                    timings[mode]["receipt"].append(
                        timed_receipt(registry, uid, data["product_ids"], next(counter))
                    )
                if i < n_mos:
                    timings[mode]["mo"].append(timed_mo(registry, uid, data["bom_id"]))
    finally:
        if had_own:
            Event._capture_enabled = original
        else:
            del Event._capture_enabled
    return timings


def report_paired(results, paired):
    on, off = paired["on"], paired["off"]
    for kind, label in (("receipt", "receipt"), ("mo", "MO")):
        results.add(
            f"{kind}_paired_on_s",
            stats.mean(on[kind]),
            "s",
            f"{label}, capture ON, in turn with OFF (mean)",
            headline=True,
        )
        results.add(
            f"{kind}_paired_off_s",
            stats.mean(off[kind]),
            "s",
            f"{label}, capture OFF, in turn with ON (mean)",
            headline=True,
        )
        results.ratio(
            f"{kind}_ratio",
            f"{kind}_paired_on_s",
            f"{kind}_paired_off_s",
            f"{label} ON/OFF, in turn",
            ("<=", 1.03),
        )
        low, high = stats.ratio_interval(on[kind], off[kind])
        results.add(f"{kind}_ratio_low", low, "x", f"{label} ON/OFF, in turn: 90 % interval, low")
        results.add(
            f"{kind}_ratio_high", high, "x", f"{label} ON/OFF, in turn: 90 % interval, high"
        )
        pairs = [a / b for a, b in zip(on[kind], off[kind], strict=False)]
        results.add(
            f"{kind}_ratio_pairs_p50",
            stats.percentile(pairs, 50),
            "x",
            f"{label} ON/OFF, median of the pairs",
        )


def report(results, timings, sizes):
    on, off, batch = timings["on"], timings["off"], timings["on_batch"]
    unvalidated = timings["on_unvalidated"]
    for kind, label in (("receipt", "receipt"), ("mo", "MO")):
        results.add(
            f"{kind}_on_s", stats.mean(on[kind]), "s", f"{label}, capture ON (mean)", headline=True
        )
        results.add(
            f"{kind}_off_s",
            stats.mean(off[kind]),
            "s",
            f"{label}, capture OFF (mean)",
            headline=True,
        )
        results.ratio(
            f"{kind}_ratio_blocks",
            f"{kind}_on_s",
            f"{kind}_off_s",
            f"{label} ON/OFF, blocks of {sizes[kind == 'mo']}",
        )
        # Medians are less sensitive to the odd autovacuum or GC pause.
        results.add(
            f"{kind}_on_p50_s", stats.percentile(on[kind], 50), "s", f"{label}, ON (median)"
        )
        results.add(
            f"{kind}_off_p50_s", stats.percentile(off[kind], 50), "s", f"{label}, OFF (median)"
        )
        results.ratio(
            f"{kind}_ratio_p50",
            f"{kind}_on_p50_s",
            f"{kind}_off_p50_s",
            f"{label} ON/OFF (medians)",
        )
        results.add(
            f"{kind}_batch_s",
            stats.mean(batch[kind]),
            "s",
            f"{label}, ON, batch cadence: no cron trigger (mean)",
        )
        results.ratio(
            f"{kind}_ratio_batch",
            f"{kind}_batch_s",
            f"{kind}_off_s",
            f"{label} ON-batch/OFF",
            headline=True,
        )
        results.add(
            f"{kind}_unvalidated_s",
            stats.mean(unvalidated[kind]),
            "s",
            f"{label}, ON, payload validation off (mean)",
        )
        results.ratio(
            f"{kind}_ratio_validation",
            f"{kind}_on_s",
            f"{kind}_unvalidated_s",
            f"{label} validation ON/OFF (capture ON)",
            headline=True,
        )
        results.ratio(
            f"{kind}_ratio_unvalidated",
            f"{kind}_unvalidated_s",
            f"{kind}_off_s",
            f"{label} ON-unvalidated/OFF",
            headline=True,
        )


def main():
    args = parse_args(__doc__)
    n_receipts = scaled(64, args.scale)
    n_mos = scaled(32, args.scale)
    rounds = 2 * len(MODES) if n_receipts >= 16 else len(MODES)
    results = stats.Results(
        "capture_overhead",
        args.scale,
        {
            "receipts_per_mode": n_receipts,
            "lines_per_receipt": RECEIPT_LINES,
            "mos_per_mode": n_mos,
            "bom_components": 2,
            "rounds": rounds,
            "modes": "/".join(MODES),
        },
    )
    registry = load(args.conf, args.db)
    uid = admin_uid(registry)
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
        for mode in modes[r % len(modes) :] + modes[: r % len(modes)]:  # rotate the order
            run_block(registry, uid, data, mode, sizes, timings, counter)
    events_after = count_events(registry)
    set_mode(registry, data, "on")

    report(results, timings, sizes)
    # The target's measure: twelve times the operations of a mode above (the
    # 90 % interval of the ratio about 1 % either way, see the docstring).
    paired = paired_on_off(registry, uid, data, counter, 12 * n_receipts, 12 * n_mos)
    report_paired(results, paired)
    parts = measure_parts(registry, uid, data, counter, max(8, n_receipts // 4), max(4, n_mos // 4))
    report_parts(results, parts)
    per_event = results.add(
        "validation_per_event_s",
        validation_cost(registry),
        "s",
        "validation of one event's data, timed alone",
        digits=6,
    )
    for kind, label, events in (("receipt", "receipt", RECEIPT_LINES), ("mo", "MO", MO_EVENTS)):
        share = events * per_event / results._value(f"{kind}_on_s")
        results.add(
            f"{kind}_validation_share",
            100 * share,
            "%",
            f"validation's share of a {label} (ON), timed alone",
            headline=True,
        )
    # Sanity: ON wrote one event (and, numbered, one delivery) per move line, OFF none.
    ops = [timings[m] for m in MODES if MODES[m][0]]
    expected = sum(len(t["receipt"]) * RECEIPT_LINES + len(t["mo"]) * MO_EVENTS for t in ops)
    results.add(
        "events_written",
        events_after[0] - events_before[0],
        "",
        "events written",
        target=("==", expected),
    )
    results.add(
        "deliveries_written",
        events_after[1] - events_before[1],
        "",
        "deliveries written",
        target=("==", expected),
    )
    results.save(timings=timings, paired=paired)


if __name__ == "__main__":
    main()
