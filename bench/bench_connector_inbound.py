"""Inbound WMS events through the signed webhook against the same operations through the ORM.

N stock adjustments (+1 unit of one of 20 products in WH/Stock, a cycle of
SKUs), each POSTed alone as a signed webhook (Standard Webhooks) to a real
Odoo server (threaded, one cron thread): the request checks the signature and
records the event, and the inbound apply cron applies it after commit, as the
backend's technical user (cross-references, the negative-stock check, an
inventory adjustment, its movement event). Timed from the first request until
the last event is done.

In the same run, in turn with it (webhook block, ORM block, ...), the same
adjustments made directly through the ORM in the bench's process, each in its
own committed transaction as the same technical user: read the on-hand
quantity, then an inventory-mode quant with ``_apply_inventory`` (what the
inbound path does, without the log, the lookups and the HTTP). Target: webhook
time / ORM time <= 1.3.
"""

import json
import time
import uuid

import requests
from lib import stats
from lib.registry import env, load, parse_args, scaled
from lib.server import OdooServer

N_PRODUCTS = 20
BLOCKS = 4
SECRET = "whsec_" + "QmVuY2hJbmJvdW5kU2VjcmV0S2V5MDEyMzQ1Njc4OQ=="


def setup(registry):
    with env(registry) as e:
        e["stock.sync.endpoint"].search([]).write({"active": False})  # no fan-out: both paths alike
        wh = e["stock.warehouse"].search([("company_id", "=", e.ref("base.main_company").id)], limit=1)
        products = e["product.product"].create([
            {"name": f"Inbound bench {i:02d}", "default_code": f"IB-{i:02d}", "is_storable": True}
            for i in range(N_PRODUCTS)
        ])
        backend = e["stock.sync.backend"].create({
            "name": "Bench WMS",
            "kind": "wms_rest",
            "base_url": "http://127.0.0.1:9",
            "auth_type": "none",
            "rate_limit": 0,
            "webhook_secret": SECRET,
        })
        e["stock.sync.xref.product"].create([
            {"backend_id": backend.id, "external_code": p.default_code, "product_id": p.id}
            for p in products
        ])
        e["stock.sync.xref.location"].create(
            {"backend_id": backend.id, "external_code": "WH-STOCK", "location_id": wh.lot_stock_id.id}
        )
        return {
            "backend": backend.id,
            "skus": products.mapped("default_code"),
            "products": products.ids,
            "location": wh.lot_stock_id.id,
            "user": backend.inbound_user_id.id,
        }


def signed_post(session, url, event):
    from odoo.addons.stock_sync.services import webhook_signature

    body = json.dumps({"events": [event]}).encode()
    headers = webhook_signature.sign_headers([SECRET], f"msg_{uuid.uuid4().hex}", body)
    headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    response = session.post(url, data=body, headers=headers, timeout=30)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or response.json().get("accepted") != 1:
        raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:300]}")
    return elapsed


def done_count(registry, backend_id):
    with env(registry) as e:
        e.cr.execute(
            "SELECT state, count(*) FROM stock_sync_inbound WHERE backend_id = %s GROUP BY state",
            (backend_id,),
        )
        return dict(e.cr.fetchall())


def webhook_block(registry, server, data, start, n, request_times):
    """POST n events, then wait until every event of the backend is applied."""
    url = f"{server.url}/inventory_sync/wms/{data['backend']}/events"
    session = requests.Session()
    started = time.perf_counter()
    for i in range(start, start + n):
        event = {
            "id": f"bench-{i}",
            "type": "adjustment",
            "data": {"sku": data["skus"][i % N_PRODUCTS], "location": "WH-STOCK", "quantity": 1},
        }
        request_times.append(signed_post(session, url, event))
    deadline = time.monotonic() + 600
    while True:
        states = done_count(registry, data["backend"])
        if states.get("done", 0) >= start + n:
            break
        if set(states) - {"done", "received"}:
            raise RuntimeError(f"inbound events not applied: {states}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not applied within 600 s: {states}")
        time.sleep(0.02)
    return time.perf_counter() - started


def orm_block(registry, data, start, n):
    started = time.perf_counter()
    for i in range(start, start + n):
        product_id = data["products"][i % N_PRODUCTS]
        with env(registry, user=data["user"]) as e:
            quants = e["stock.quant"].search(
                [("product_id", "=", product_id), ("location_id", "child_of", data["location"])]
            )
            on_hand = sum(quants.mapped("quantity"))
            quant = (
                e["stock.quant"]
                .with_context(inventory_mode=True, inventory_name=f"ORM bench {i}")
                .create({
                    "product_id": product_id,
                    "location_id": data["location"],
                    "inventory_quantity": on_hand + 1,
                })
            )
            quant._apply_inventory()
    return time.perf_counter() - started


def main():
    args = parse_args(__doc__)
    n_events = scaled(400, args.scale, minimum=BLOCKS * 10)
    per_block = n_events // BLOCKS
    results = stats.Results(
        "connector_inbound", args.scale, {"events": per_block * BLOCKS, "products": N_PRODUCTS}
    )
    registry = load(args.conf, args.db)
    data = setup(registry)
    webhook_seconds = orm_seconds = 0.0
    request_times = []
    with OdooServer(args.conf, args.db, "connector_inbound", workers=0, max_cron_threads=1) as server:
        # Warm-up: the server's first requests and cron runs, the ORM's first transactions.
        warm = 10
        webhook_block(registry, server, data, 0, warm, [])
        orm_block(registry, data, 0, warm)
        sent = warm
        for _block in range(BLOCKS):
            webhook_seconds += webhook_block(registry, server, data, sent, per_block, request_times)
            orm_seconds += orm_block(registry, data, sent, per_block)
            sent += per_block
    n = per_block * BLOCKS
    results.add("webhook_events_per_s", n / webhook_seconds, "/s", "webhook: events applied per second")
    results.add("orm_ops_per_s", n / orm_seconds, "/s", "ORM: the same adjustments per second")
    results.add("webhook_ms", webhook_seconds / n * 1000, "ms", "webhook: time per event")
    results.add("orm_ms", orm_seconds / n * 1000, "ms", "ORM: time per adjustment")
    results.ratio("ratio", "webhook_ms", "orm_ms", "webhook / ORM time", target=("<=", 1.3))
    results.add(
        "request_p50_ms",
        stats.percentile(request_times, 50) * 1000,
        "ms",
        "webhook: the sender's wait, p50 (signature check + record)",
    )
    results.add(
        "request_p95_ms", stats.percentile(request_times, 95) * 1000, "ms", "webhook: the sender's wait, p95"
    )
    results.save()


if __name__ == "__main__":
    main()
