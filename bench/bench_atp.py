"""Available to promise (issue #13): one product, 10,000 products, and what marking costs a picking.

* **One product**: ``product._atp(warehouse, 30)`` (one SQL statement and the
  timeline in Python), repeated; p50 and p95 in ms.
* **10,000 products in one call**: ``products._atp(warehouse, 30)`` against
  Odoo's standard forecast for the same products in the same run:
  ``virtual_available`` in the warehouse's context (``_compute_quantities_dict``:
  quants and incoming and outgoing moves, grouped by the ORM). Odoo's figure
  has no dates; ours gives the ATP timeline per day. Each timed three times
  in turn from a cold ORM cache; the median counts. Targets: ours < 1 s,
  Odoo / ours >= 5.
* **Cost on a picking**: one-line receipts validated in their own committed
  transactions, availability marking ON and OFF *in turn* (ON, OFF, OFF, ON,
  ...; OFF replaces ``stock.sync.availability.dirty._mark`` in this process by
  a no-op), with two channels; capture stays on in both. Target: ON / OFF <= 1.05.
  Then the publish cron's run after the burst (one computation per product
  and channel, after commit): its time and its events.
* **Publishing many products**: ``stock.sync.channel._publish`` of 2,000
  products never published, for the two channels (what *Publish All Products*
  and a busy cron run do: compute, write the channel availability rows, emit
  one event per product and channel), per product and channel, against the
  ATP computation it cannot avoid in the same run (the same products, once per
  channel).

Data: products with stock on hand, an open delivery and an open receipt each
on days of the horizon (half of them), and a reordering rule for a tenth.
"""

import datetime
import random
import statistics
import time
from unittest import mock

from lib import data as bd
from lib import stats
from lib.registry import admin_uid, env, load, parse_args, scaled

N_PRODUCTS = 10_000
ONE_REPEAT = 200
RECEIPTS = 80  # per mode
PUBLISH = 2_000  # products published at once, never published before (the last ones)


def setup(registry, n_products):
    """Products, quants, open moves and reordering rules, inserted in bulk; two channels."""
    from odoo import Command

    with env(registry) as e:
        products = bd.make_products(e, n_products, "ATP", "standard")
        wh = bd.warehouse(e)
        stock = wh.lot_stock_id
        customer = e.ref("stock.stock_location_customers")
        supplier = e.ref("stock.stock_location_suppliers")
        uom = products[:1].uom_id.id
        cr = e.cr
        cr.execute(
            """INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                                        reserved_quantity, in_date, create_date, write_date)
               SELECT p, %s, %s, 100, 0, now(), now(), now() FROM unnest(%s::int[]) p""",
            (stock.id, wh.company_id.id, products.ids),
        )
        today = datetime.datetime.combine(datetime.date.today(), datetime.time(12))
        rng = random.Random(13)
        rows = []
        for product_id in products.ids[::2]:
            rows.append(
                (
                    product_id,
                    30,
                    stock.id,
                    customer.id,
                    today + datetime.timedelta(days=rng.randint(0, 20)),
                )
            )
            rows.append(
                (
                    product_id,
                    50,
                    supplier.id,
                    stock.id,
                    today + datetime.timedelta(days=rng.randint(0, 20)),
                )
            )
        cr.execute(
            """INSERT INTO stock_move (name, product_id, product_uom_qty, product_qty, product_uom,
                                       location_id, location_dest_id, location_final_id, date, state,
                                       company_id, procure_method, create_date, write_date)
               SELECT 'bench', r.p, r.q, r.q, %s, r.s, r.d, r.d, r.dt, 'confirmed', %s,
                      'make_to_stock', now(), now()
                 FROM unnest(%s::int[], %s::float[], %s::int[], %s::int[], %s::timestamp[])
                      AS r(p, q, s, d, dt)""",
            (
                uom,
                wh.company_id.id,
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2] for r in rows],
                [r[3] for r in rows],
                [r[4] for r in rows],
            ),
        )
        e["stock.warehouse.orderpoint"].create(
            [
                {
                    "product_id": product_id,
                    "warehouse_id": wh.id,
                    "location_id": stock.id,
                    "product_min_qty": 10,
                    "product_max_qty": 20,
                    "trigger": "manual",
                }
                for product_id in products.ids[::10]
            ]
        )
        cr.execute("ANALYZE stock_quant; ANALYZE stock_move; ANALYZE stock_warehouse_orderpoint")
        channels = []
        for name, buffer in (("Bench web", 0), ("Bench marketplace", 10)):
            endpoint, _secret = bd.make_endpoint(e, name, "http://127.0.0.1:9/events")
            channels.append(
                e["stock.sync.channel"].create(
                    {
                        "name": name,
                        "endpoint_id": endpoint.id,
                        "warehouse_ids": [Command.set(wh.ids)],
                        "buffer_value": buffer,
                    }
                )
            )
        # make_endpoint archives the previous one: both channels stay reachable.
        e["stock.sync.endpoint"].with_context(active_test=False).search(
            [("id", "in", [c.endpoint_id.id for c in channels])]
        ).write({"active": True})
        e["stock.sync.availability.dirty"]._take()
        return {"product_ids": products.ids, "warehouse_id": wh.id}


def time_call(registry, fn):
    with env(registry) as e:
        e.invalidate_all()
        started = time.perf_counter()
        result = fn(e)
        return time.perf_counter() - started, result


def one_product(registry, data, repeat):
    durations = []
    ids = data["product_ids"]
    with env(registry) as e:
        wh = e["stock.warehouse"].browse(data["warehouse_id"])
        for i in range(repeat):
            e.invalidate_all()
            product = e["product.product"].browse(ids[(i * 7) % len(ids)])
            started = time.perf_counter()
            product._atp(wh, 30)
            durations.append(time.perf_counter() - started)
    return durations


def many_products(registry, data):
    """(ours seconds, odoo seconds) medians of 3, taken in turn; and a consistency check."""
    ours, odoo = [], []
    checked = None
    for _ in range(3):
        t, atps = time_call(
            registry,
            lambda e: (
                e["product.product"]
                .browse(data["product_ids"])
                ._atp(e["stock.warehouse"].browse(data["warehouse_id"]), 365)
            ),
        )
        ours.append(t)
        t, forecast = time_call(
            registry,
            lambda e: dict(
                zip(
                    data["product_ids"],
                    e["product.product"]
                    .browse(data["product_ids"])
                    .with_context(warehouse_id=data["warehouse_id"])
                    .mapped("virtual_available"),
                    strict=True,
                )
            ),
        )
        odoo.append(t)
        # Over a year, projected end + safety stock is Odoo's forecast, product by product.
        checked = sum(
            1
            for pid in data["product_ids"]
            if abs(
                atps[pid, data["warehouse_id"]].projected_end
                + atps[pid, data["warehouse_id"]].safety
                - forecast[pid]
            )
            > 1e-6
        )
    return statistics.median(ours), statistics.median(odoo), checked


def picking_cost(registry, uid, data, n):
    Dirty = registry["stock.sync.availability.dirty"]
    timings = {"on": [], "off": []}
    products = data["product_ids"]
    pattern = ["on", "off", "off", "on"]
    for i in range(2 * n):
        mode = pattern[i % 4]
        patcher = (
            mock.patch.object(Dirty, "_mark", lambda self, products: None)
            if mode == "off"
            else None
        )
        if patcher:
            patcher.start()
        try:
            started = time.perf_counter()
            with env(registry, uid) as e:
                bd.validate_receipt(
                    e, [(e["product.product"].browse(products[(i * 13) % len(products)]), 5)]
                )
            timings[mode].append(time.perf_counter() - started)
        finally:
            if patcher:
                patcher.stop()
    return timings


def main():
    args = parse_args(__doc__)
    registry = load(args.conf, args.db)
    n_products = scaled(N_PRODUCTS, args.scale, 100)
    results = stats.Results("atp", args.scale, {"products": n_products})
    data = setup(registry, n_products)
    uid = admin_uid(registry)

    one = one_product(registry, data, scaled(ONE_REPEAT, args.scale, 20))
    results.add("one_p50_ms", stats.percentile(one, 50) * 1000, "ms", "ATP of one product, p50")
    results.add(
        "one_p95_ms",
        stats.percentile(one, 95) * 1000,
        "ms",
        "ATP of one product, p95",
        headline=True,
    )

    ours, odoo, mismatched = many_products(registry, data)
    results.add(
        "many_ours_s",
        ours,
        "s",
        f"ATP of {n_products:,} products, one call (median of 3)",
        target=("<=", 1.0),
    )
    results.add("many_odoo_s", odoo, "s", f"Odoo virtual_available, same {n_products:,} products")
    results.ratio(
        "many_speedup",
        "many_odoo_s",
        "many_ours_s",
        "Odoo / ours (same products, same run)",
        target=(">=", 5),
    )
    results.add(
        "many_mismatch",
        mismatched,
        "",
        "products whose projected end differs from Odoo's forecast",
        target=("==", 0),
    )

    timings = picking_cost(registry, uid, data, scaled(RECEIPTS, args.scale, 10))
    results.add(
        "receipt_on_ms",
        stats.mean(timings["on"]) * 1000,
        "ms",
        "receipt validated, marking ON, mean",
    )
    results.add(
        "receipt_off_ms",
        stats.mean(timings["off"]) * 1000,
        "ms",
        "receipt validated, marking OFF, mean",
    )
    results.ratio(
        "receipt_ratio",
        "receipt_on_ms",
        "receipt_off_ms",
        "availability marking ON / OFF per receipt",
        target=("<=", 1.05),
    )

    t, published = time_call(
        registry, lambda e: e["stock.sync.channel"]._cron_publish_availability()
    )
    results.add(
        "publish_s",
        t,
        "s",
        f"publish cron after the burst ({published} products x 2 channels)",
        headline=True,
    )
    n_publish = scaled(PUBLISH, args.scale, 100)
    subset = data["product_ids"][-n_publish:]

    def floor(e):
        products = e["product.product"].browse(subset)
        for channel in e["stock.sync.channel"].search([]):
            products._atp(channel.warehouse_ids, channel.horizon_days)

    t_floor, _none = time_call(registry, floor)
    t_publish, emitted = time_call(
        registry,
        lambda e: len(e["stock.sync.channel"]._publish(e["product.product"].browse(subset))),
    )
    pairs = 2 * n_publish
    results.add(
        "publish_many_ms",
        t_publish / pairs * 1000,
        "ms",
        f"publish of {n_publish:,} new products x 2 channels ({emitted:,} events), per pair",
        headline=True,
    )
    results.add(
        "publish_floor_ms",
        t_floor / pairs * 1000,
        "ms",
        "ATP of the same products for each channel, per pair (the floor)",
    )
    results.ratio(
        "publish_vs_floor",
        "publish_many_ms",
        "publish_floor_ms",
        "publish / ATP of the same products (same run)",
    )
    results.save()


if __name__ == "__main__":
    main()
