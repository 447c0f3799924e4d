"""Consumption by scan: server-side time per scan against the standard ORM path.

An MO with 50 lot-tracked components; 500 scans (10 per component, one unit
of one lot each), each in its own committed transaction as a user's request
would be, through ``mrp.production.consume_scan`` (parsing, validation, the
done split-off raw move, the scan log, the outbox events). In the same run and
in turn with it (scan, standard, scan, ...), the same consumption recorded the
standard way on a second MO: an extra raw move created through the ORM with
its picked lot line, then ``_action_done`` (no lookup, no checks, no log). Targets:
p95 per scan <= 100 ms, scan p50 / standard p50 <= 1.2.

Last, two clients scan one MO at once (``scan_with_retry``, each scan its own
transaction): sustained scans per second, and every scan accepted.
"""

import threading
import time
import uuid

from lib import stats
from lib.registry import admin_uid, env, load, parse_args, scaled

from odoo import Command

N_COMPONENTS = 50


def setup(registry, per_component):
    """Components with one lot each (stock enough), a BoM, two confirmed MOs."""
    with env(registry) as e:
        e["res.company"].browse(e.company.id).scan_over_consumption = "warn"
        stock = e["stock.warehouse"].search([("company_id", "=", e.company.id)], limit=1)
        stock = stock.lot_stock_id
        products = e["product.product"].create(
            [
                {"name": f"Scan comp {n}", "is_storable": True, "tracking": "lot"}
                for n in range(N_COMPONENTS)
            ]
        )
        lots = e["stock.lot"].create(
            [{"name": f"SCANLOT-{p.id}", "product_id": p.id} for p in products]
        )
        for product, lot in zip(products, lots, strict=True):
            e["stock.quant"]._update_available_quantity(product, stock, 100000, lot_id=lot)
        finished = e["product.product"].create({"name": "Scan bench pump", "is_storable": True})
        bom = e["mrp.bom"].create(
            {
                "product_tmpl_id": finished.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [
                    Command.create({"product_id": p.id, "product_qty": 1}) for p in products
                ],
            }
        )
        mos = e["mrp.production"].create(
            [
                {"product_id": finished.id, "bom_id": bom.id, "product_qty": per_component * 4}
                for _n in range(3)
            ]
        )
        mos.action_confirm()
        return {"lots": lots.mapped("name"), "lot_ids": lots.ids, "mos": mos.ids}


def scan_once(registry, uid, mo_id, lot_name, device="BENCH-1"):
    t0 = time.perf_counter()
    with env(registry, uid) as e:
        answer = e["mrp.production"].consume_scan(
            lot_name, production=mo_id, quantity=1, device_id=device, scan_id=str(uuid.uuid4())
        )
    elapsed = time.perf_counter() - t0
    if not answer["ok"]:
        raise RuntimeError(f"scan refused: {answer['code']}: {answer['message']}")
    return elapsed


def standard_once(registry, uid, mo_id, lot_id):
    """The same consumption through the ORM: an extra raw move, its lot line, _action_done.

    Built the way the scan service (and core's scrap and inventory
    adjustment) posts: the draft move is created with its picked lot line and
    _action_done confirms and posts it. Confirming it first would reserve a
    line only to drop it for the lot line, a cost neither path needs.
    """
    t0 = time.perf_counter()
    with env(registry, uid) as e:
        production = e["mrp.production"].browse(mo_id)
        lot = e["stock.lot"].browse(lot_id)
        product = lot.product_id
        vals = production._get_move_raw_values(product, 1, product.uom_id)
        vals["picked"] = True
        vals["move_line_ids"] = [
            Command.create(
                {
                    "product_id": product.id,
                    "quantity": 1,
                    "lot_id": lot.id,
                    "location_id": vals["location_id"],
                    "location_dest_id": vals["location_dest_id"],
                    "picked": True,
                }
            )
        ]
        e["stock.move"].create(vals)._action_done()
    return time.perf_counter() - t0


def concurrent(registry, uid, mo_id, lots, per_client):
    from odoo.addons.mrp_barcode_consumption.services.retrying import scan_with_retry

    answers, lock = [], threading.Lock()

    def client(n):
        for i in range(per_client):
            with env(registry, uid) as e:
                answer = scan_with_retry(
                    e,
                    "consume_scan",
                    tries=10,
                    barcode=lots[(i * 2 + n) % len(lots)],
                    production=mo_id,
                    quantity=1,
                    device_id=f"BENCH-C{n}",
                    scan_id=str(uuid.uuid4()),
                )
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - t0


def main():
    args = parse_args(__doc__)
    n_scans = scaled(500, args.scale, minimum=N_COMPONENTS)
    per_component = -(-n_scans // N_COMPONENTS)
    per_client = scaled(50, args.scale, minimum=5)
    results = stats.Results(
        "scan",
        args.scale,
        {"scans": n_scans, "components": N_COMPONENTS, "concurrent_scans": 2 * per_client},
    )
    registry = load(args.conf, args.db)
    uid = admin_uid(registry)
    data = setup(registry, per_component)
    scan_mo, standard_mo, shared_mo = data["mos"]
    lots, lot_ids = data["lots"], data["lot_ids"]
    for i in range(5):  # warm-up
        scan_once(registry, uid, scan_mo, lots[i])
        standard_once(registry, uid, standard_mo, lot_ids[i])
    scan_times, standard_times = [], []
    for i in range(n_scans):
        k = i % N_COMPONENTS
        if i % 2:
            standard_times.append(standard_once(registry, uid, standard_mo, lot_ids[k]))
            scan_times.append(scan_once(registry, uid, scan_mo, lots[k]))
        else:
            scan_times.append(scan_once(registry, uid, scan_mo, lots[k]))
            standard_times.append(standard_once(registry, uid, standard_mo, lot_ids[k]))
    ms = 1000.0
    results.add("scan_p50_ms", stats.percentile(scan_times, 50) * ms, "ms", "scan: p50 per scan")
    results.add(
        "scan_p95_ms",
        stats.percentile(scan_times, 95) * ms,
        "ms",
        "scan: p95 per scan",
        target=("<=", 100),
    )
    results.add(
        "standard_p50_ms",
        stats.percentile(standard_times, 50) * ms,
        "ms",
        "standard ORM + _action_done: p50",
    )
    results.add(
        "standard_p95_ms",
        stats.percentile(standard_times, 95) * ms,
        "ms",
        "standard ORM + _action_done: p95",
    )
    results.ratio(
        "p50_ratio", "scan_p50_ms", "standard_p50_ms", "scan / standard, p50", target=("<=", 1.2)
    )
    results.ratio("p95_ratio", "scan_p95_ms", "standard_p95_ms", "scan / standard, p95")
    answers, seconds = concurrent(registry, uid, shared_mo, lots, per_client)
    accepted = sum(1 for a in answers if a["ok"])
    results.add(
        "concurrent_scans_per_s", accepted / seconds, "/s", "two clients, one MO: scans per second"
    )
    results.add(
        "concurrent_accepted",
        accepted,
        "",
        "two clients, one MO: scans accepted",
        target=("==", 2 * per_client),
    )
    with env(registry) as e:
        done = e["stock.move"].search(
            [("raw_material_production_id", "=", shared_mo), ("state", "=", "done")]
        )
        results.add(
            "concurrent_consumed",
            sum(done.mapped("quantity")),
            "",
            "two clients, one MO: units consumed",
            target=("==", float(accepted)),
        )
    results.save(scan_s=scan_times, standard_s=standard_times)


if __name__ == "__main__":
    main()
