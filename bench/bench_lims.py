"""LIMS: the time from the lab's POST of a release to the lot being available in Odoo.

LOTS lots of a lot-tracked product inspected on receipt are received into QA
hold (one receipt each, as a stock user validates them; not measured). Then,
against one Odoo server (threaded, its HTTP port only):

* **Lab**: for each of LOTS lots in turn, the LIMS simulator's client POSTs a
  signed disposition ``released`` (Standard Webhooks) to the backend's
  webhook; the clock stops when a fresh database cursor sees the lot's stock
  in WH/Stock (free to reserve), that is after Odoo's commit.
* **User, same run, same server**: for each of LOTS other lots, the
  administrator (a Quality Manager) releases the lot as the UI does: the
  Release wizard is created and confirmed (two JSON-RPC calls), and the clock
  stops when a fresh cursor sees the lot's stock in WH/Stock.

p50 and p95 of both, and their ratio. The lab's path adds the signature
check, the disposition's parsing, the lot lookup through the
cross-references, the inbound-log entry, the decision record and the lot's
certificate note to the same hold-engine release.
"""

import importlib.util
import json
import time
import uuid
from pathlib import Path

import requests
from lib import stats
from lib.registry import env, load, parse_args, scaled
from lib.server import JsonRpc, OdooServer

LOTS = 200
WARM = 5  # lots per path released first, not measured (routes, caches)
QTY = 10.0
PASSWORD = "bench-admin"


def setup(registry, n):
    """Two series of ``n`` lots in QA hold, a LIMS backend and its cross-reference."""
    with env(registry) as e:
        e.ref("base.user_admin").password = PASSWORD
        e["ir.config_parameter"].set_param("stock_sync.allow_local_urls", "True")
        wh = e["stock.warehouse"].search(
            [("company_id", "=", e.ref("base.main_company").id)], limit=1
        )
        product = e["product.product"].create(
            {
                "name": "Bench lab-tested compound",
                "default_code": "LIMS-POT",
                "is_storable": True,
                "tracking": "lot",
                "quality_inspect_on_receipt": True,
            }
        )
        backend = e["stock.sync.backend"].create(
            {
                "name": "Bench LIMS",
                "kind": "lims",
                "base_url": "http://127.0.0.1:9",
                "auth_type": "none",
            }
        )
        e["stock.sync.xref.product"].create(
            {"backend_id": backend.id, "external_code": "LIMS-POT", "product_id": product.id}
        )
        ctx = {
            "product": product.id,
            "backend": backend.id,
            "secret": backend.webhook_secret,
            "stock": wh.lot_stock_id.id,
            "reason": e.ref("stock_quality_hold_lims.reason_lab_release").id,
        }
    with env(registry) as e:
        admin = e.ref("base.user_admin").id
    names = {"lab": [f"LAB-{i:05d}" for i in range(n)], "user": [f"USR-{i:05d}" for i in range(n)]}
    for series in names.values():
        for chunk in range(0, n, 50):
            with env(registry, admin) as e:
                wh = e["stock.location"].browse(ctx["stock"]).warehouse_id
                for name in series[chunk : chunk + 50]:
                    picking = e["stock.picking"].create(
                        {
                            "picking_type_id": wh.in_type_id.id,
                            "location_id": e.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": ctx["stock"],
                            "move_ids": [
                                (
                                    0,
                                    0,
                                    {
                                        "name": name,
                                        "product_id": ctx["product"],
                                        "product_uom_qty": QTY,
                                        "location_id": e.ref("stock.stock_location_suppliers").id,
                                        "location_dest_id": ctx["stock"],
                                    },
                                )
                            ],
                        }
                    )
                    picking.action_confirm()
                    move = picking.move_ids
                    move.move_line_ids.unlink()
                    move.move_line_ids = [
                        (
                            0,
                            0,
                            {
                                "product_id": ctx["product"],
                                "lot_name": name,
                                "quantity": QTY,
                                "picking_id": picking.id,
                                "location_id": move.location_id.id,
                                "location_dest_id": move.location_dest_id.id,
                            },
                        )
                    ]
                    move.picked = True
                    picking.button_validate()
    with env(registry) as e:
        lots = e["stock.lot"].search([("product_id", "=", ctx["product"])])
        ctx["lot_ids"] = {lot.name: lot.id for lot in lots}
        held = e["stock.quant"].search_count(
            [
                ("product_id", "=", ctx["product"]),
                ("quality_bucket", "=", "qa_hold"),
                ("quantity", ">", 0),
            ]
        )
        if held != 2 * n:
            raise RuntimeError(f"{held} lots in QA hold after the receipts, not {2 * n}")
    return ctx, names


def lims_simulator():
    """The module's LIMS simulator, loaded by path: not its test package (test framework)."""
    from odoo.modules.module import get_module_path  # noqa: PLC0415

    path = Path(get_module_path("stock_quality_hold_lims")) / "tests" / "lims_simulator.py"
    spec = importlib.util.spec_from_file_location("bench_lims_simulator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wait_available(registry, lot_id, stock_id, timeout=30.0):
    """Poll with fresh cursors until the lot's stock is in WH/Stock; returns when seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT COALESCE(SUM(quantity - reserved_quantity), 0) FROM stock_quant"
                " WHERE lot_id = %s AND location_id = %s",
                (lot_id, stock_id),
            )
            if cr.fetchone()[0] >= QTY:
                return time.perf_counter()
        time.sleep(0.001)
    raise RuntimeError(f"lot {lot_id} not available within {timeout} s")


def lab_releases(registry, server, ctx, names):
    simulator = lims_simulator()
    iso, sign = simulator.iso, simulator.sign
    url = f"{server.url}/inventory_sync/lims/{ctx['backend']}/dispositions"
    session = requests.Session()
    times = []
    for name in names:
        body = json.dumps(
            {
                "decision_id": f"BENCH-{uuid.uuid4().hex}",
                "decided_at": iso(),
                "product": "LIMS-POT",
                "lot": name,
                "result": "released",
                "analyst": "Bench",
                "approver": "Bench",
                "certificate": {"ref": f"COA-{name}"},
            }
        ).encode()
        msg_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": stamp,
            "webhook-signature": sign(ctx["secret"], msg_id, stamp, body),
        }
        started = time.perf_counter()
        response = session.post(url, data=body, headers=headers, timeout=60)
        answer = response.json()
        if response.status_code != 200 or answer["results"][0].get("state") != "applied":
            raise RuntimeError(f"lab release of {name}: HTTP {response.status_code} {answer}")
        times.append(wait_available(registry, ctx["lot_ids"][name], ctx["stock"]) - started)
    session.close()
    return times


def user_releases(registry, server, ctx, names):
    rpc = JsonRpc(server.url, registry.db_name, "admin", PASSWORD)
    times = []
    try:
        for name in names:
            lot_id = ctx["lot_ids"][name]
            started = time.perf_counter()
            wizard = rpc.call(
                "stock.quality.hold.wizard",
                "create",
                {"action": "release", "lot_ids": [(6, 0, [lot_id])], "reason_id": ctx["reason"]},
            )
            rpc.call("stock.quality.hold.wizard", "action_confirm", [wizard])
            times.append(wait_available(registry, lot_id, ctx["stock"]) - started)
    finally:
        rpc.close()
    return times


def main():
    args = parse_args(__doc__)
    n = scaled(LOTS, args.scale, minimum=10)
    results = stats.Results("lims", args.scale, {"lots": n, "qty_each": QTY})
    registry = load(args.conf, args.db)
    ctx, names = setup(registry, n + WARM)
    with OdooServer(args.conf, args.db, "lims", workers=0, max_cron_threads=0) as server:
        # Warm both paths (first requests load routes and caches), then measure in turn.
        lab_releases(registry, server, ctx, names["lab"][:WARM])
        user_releases(registry, server, ctx, names["user"][:WARM])
        lab = lab_releases(registry, server, ctx, names["lab"][WARM:])
        user = user_releases(registry, server, ctx, names["user"][WARM:])
    for key, label, values in (
        ("lab", "lab POST -> lot available", lab),
        ("user", "user release in Odoo -> lot available", user),
    ):
        results.add(
            f"{key}_p50_ms",
            stats.percentile(values, 50) * 1000,
            "ms",
            f"{label}, p50",
            headline=True,
        )
        results.add(
            f"{key}_p95_ms",
            stats.percentile(values, 95) * 1000,
            "ms",
            f"{label}, p95",
            headline=True,
        )
    results.ratio("ratio_p50", "lab_p50_ms", "user_p50_ms", "lab / user release, p50")
    results.ratio("ratio_p95", "lab_p95_ms", "user_p95_ms", "lab / user release, p95")
    with env(registry) as e:
        in_stock = e["stock.quant"].search_count(
            [
                ("product_id", "=", ctx["product"]),
                ("location_id", "=", ctx["stock"]),
                ("quantity", ">", 0),
            ]
        )
    results.add(
        "lots_released", in_stock, "", "lots in WH/Stock at the end", target=("==", 2 * (n + WARM))
    )
    results.save()


if __name__ == "__main__":
    main()
