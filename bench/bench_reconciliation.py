"""Reconciliation (issue #12): 10,000 and 100,000 snapshot lines against as many quants.

For each size N, a warehouse of its own holds N quants (P products x L
locations, one quant each, inserted in SQL as a stock take would leave them:
nothing moved after T, so Odoo's side is the quants). The snapshot, a CSV of N
lines, differs from Odoo on about 6 % of the keys: 3 % quantities, 1 % keys
missing externally (lines left out), 1 % missing in Odoo (products without
stock), 1 % counted in dozens (a unit factor), plus a few unknown SKUs.

Timed, each in its own transaction rolled back at the end (so the next one
sees the same data), as the administrator:

* **compare alone**: ``run._compare()`` on a run whose snapshot is loaded
  (mapping through internal references, the SQL comparison, the difference
  lines, tolerances and hints);
* **whole wizard**: the CSV bytes through ``stock.sync.reconciliation.import``
  (read, check, store, map, compare);
* **the naive way** with Odoo's standard tools: per snapshot line, set the
  counted quantity on the quant through the ORM (``inventory_quantity`` in
  inventory mode, as the Physical Inventory import does), then list the
  quants whose ``inventory_diff_quantity`` is not zero.

Targets: 100,000 lines compared in under 10 s, and the naive way at least
10x slower than the whole wizard.
"""

import base64
import csv
import io
import random
import time

from lib import stats
from lib.registry import env, load, parse_args, scaled

SIZES = (10_000, 100_000)
LOCATIONS = 100


def setup(registry, n, tag):
    """A warehouse with ``n`` quants; returns ids and the snapshot CSV."""
    n_locations = min(LOCATIONS, max(1, n // 100))
    n_products = n // n_locations
    with env(registry) as e:
        company = e.ref("base.main_company")
        warehouse = e["stock.warehouse"].create(
            {"name": f"Bench Recon {tag}", "code": f"R{tag}"[:5]}
        )
        locations = e["stock.location"].create(
            [
                {"name": f"R{tag}-{i:03d}", "location_id": warehouse.lot_stock_id.id}
                for i in range(n_locations)
            ]
        )
        products = e["product.product"].create(
            [
                {
                    "name": f"Recon {tag} {i:06d}",
                    "default_code": f"R{tag}-{i:06d}",
                    "is_storable": True,
                    "standard_price": 2.5,
                }
                for i in range(n_products + n_products // 100 + 1)
            ]
        )
        stocked, spare = products[:n_products], products[n_products:]
        e.flush_all()
        e.cr.execute(
            """
            INSERT INTO stock_quant (product_id, company_id, location_id, quantity, reserved_quantity,
                                     in_date, create_date, write_date, create_uid, write_uid)
            SELECT p, %s, l, 10 + (p + l) %% 50, 0, now() at time zone 'UTC',
                   now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
              FROM unnest(%s::int[]) p, unnest(%s::int[]) l
            """,
            (company.id, stocked.ids, locations.ids),
        )
        rng = random.Random(n)
        rows = []
        codes = dict(zip(stocked.ids, stocked.mapped("default_code"), strict=True))
        names = dict(zip(locations.ids, locations.mapped("name"), strict=True))
        for p in stocked.ids:
            for loc in locations.ids:
                qty = 10 + (p + loc) % 50
                draw = rng.random()
                if draw < 0.01:
                    continue  # missing externally
                if draw < 0.04:
                    qty += rng.choice((-3, -1, 1, 2, 5))
                    rows.append((codes[p], names[loc], qty, ""))
                elif draw < 0.05 and qty % 12 == 0:
                    rows.append((codes[p], names[loc], qty // 12, "Dozens"))
                else:
                    rows.append((codes[p], names[loc], qty, ""))
        for i in range(n // 100):
            rows.append(
                (
                    spare[i % len(spare)].default_code,
                    names[locations.ids[i % len(locations)]],
                    7,
                    "",
                )
            )
        for i in range(5):
            rows.append((f"UNKNOWN-{i}", names[locations.ids[0]], 1, ""))
        # Keep the file one line per key (the duplicates of spare products are summed).
        seen, unique = set(), []
        for row in rows:
            if (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                unique.append(row)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(("sku", "location", "quantity", "unit"))
        writer.writerows(unique)
        return {
            "warehouse": warehouse.id,
            "locations": locations.ids,
            "csv": out.getvalue().encode(),
            "lines": len(unique),
            "quants": n_products * n_locations,
        }


def rolled_back(registry, fn):
    """Time ``fn(env)`` (flush included) in a transaction rolled back afterwards."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        e = api.Environment(cr, SUPERUSER_ID, {})
        e = e(user=e.ref("base.user_admin").id)
        e.flush_all()
        started = time.perf_counter()
        result = fn(e)
        e.flush_all()
        elapsed = time.perf_counter() - started
        cr.rollback()
    return elapsed, result


def wizard(e, data):
    wizard = e["stock.sync.reconciliation.import"].create(
        {
            "file": base64.b64encode(data["csv"]),
            "file_name": "bench.csv",
            "warehouse_id": data["warehouse"],
        }
    )
    action = wizard.action_import()
    return e["stock.sync.reconciliation"].browse(action["res_id"])


def compare_only(registry, data):
    """Load the snapshot (untimed), then time the comparison, in one rolled-back transaction."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        e = api.Environment(cr, SUPERUSER_ID, {})
        e = e(user=e.ref("base.user_admin").id)
        run = wizard(e, data)  # the first compare warms the caches as a user's would be
        e.flush_all()
        started = time.perf_counter()
        run._compare()
        e.flush_all()
        elapsed = time.perf_counter() - started
        figures = (run.difference_count, run.accuracy, run.count_unit_factor)
        cr.rollback()
    return elapsed, figures


def naive(e, data):
    """Counted quantities set on the quants through the ORM, then the differences listed."""
    Quant = e["stock.quant"].with_context(inventory_mode=True)
    reader = csv.reader(io.StringIO(data["csv"].decode()))
    next(reader)
    dozen = e.ref("uom.product_uom_dozen")
    for sku, location_name, qty, unit in reader:
        product = e["product.product"].search([("default_code", "=", sku)], limit=1)
        location = e["stock.location"].search(
            [("name", "=", location_name), ("id", "in", data["locations"])], limit=1
        )
        if not product or not location:
            continue
        quantity = float(qty)
        if unit:
            quantity = dozen._compute_quantity(quantity, product.uom_id)
        quant = Quant.search(
            [("product_id", "=", product.id), ("location_id", "=", location.id)], limit=1
        )
        if quant:
            quant.inventory_quantity = quantity
        else:
            Quant.create(
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": quantity,
                }
            )
    e.flush_all()
    differences = Quant.search_read(
        [
            ("location_id", "in", data["locations"]),
            ("inventory_quantity_set", "=", True),
            ("inventory_diff_quantity", "!=", 0),
        ],
        ["product_id", "location_id", "quantity", "inventory_quantity", "inventory_diff_quantity"],
    )
    return len(differences)


def main():
    args = parse_args(__doc__)
    registry = load(args.conf, args.db)
    sizes = [scaled(n, args.scale, 1000) for n in SIZES]
    results = stats.Results("reconciliation", args.scale, {"sizes": sizes})
    for index, n in enumerate(sizes):
        label = f"{n // 1000}k"
        data = setup(registry, n, f"{index}{n // 1000}")
        print(
            f"    {label}: {data['lines']:,} snapshot lines, {data['quants']:,} quants", flush=True
        )
        t_compare, (diffs, accuracy, factors) = compare_only(registry, data)
        results.add(
            f"compare_{label}_s",
            t_compare,
            "s",
            f"compare alone, {data['lines']:,} lines ({diffs:,} differences, accuracy {accuracy:.1f} %)",
            target=("<=", 10.0) if index == len(sizes) - 1 else None,
            headline=index == len(sizes) - 1,
        )
        t_wizard, _run = rolled_back(registry, lambda e, data=data: wizard(e, data).id)
        results.add(
            f"wizard_{label}_s", t_wizard, "s", f"whole wizard (CSV to difference lines), {label}"
        )
        t_naive, naive_diffs = rolled_back(registry, lambda e, data=data: naive(e, data))
        results.add(
            f"naive_{label}_s",
            t_naive,
            "s",
            f"naive ORM: counted quantities on quants + differences listed ({naive_diffs:,}), {label}",
        )
        results.ratio(
            f"speedup_{label}",
            f"naive_{label}_s",
            f"wizard_{label}_s",
            f"naive ORM / whole wizard, {label} (same run)",
            target=(">=", 10),
            headline=index == len(sizes) - 1,
        )
    results.save()


if __name__ == "__main__":
    main()
