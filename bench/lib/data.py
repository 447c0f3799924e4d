"""Data for the benches: products, endpoints, receipts, manufacturing orders, backlogs.

Everything goes through Odoo's own flows (confirm, validate, mark done) or the
outbox's public door (``stock.sync.event.emit``), in the bench's process.
"""

import copy
import time

from .receivers import webhook_receiver
from .registry import env, set_capture

MOVEMENT = "odoo.stock_sync.movement.v1"


def warehouse(e):
    """The main company's warehouse, created by Odoo at install (no demo data needed)."""
    company = e.ref("base.main_company")
    return e["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)


def make_products(e, n, prefix, criticality="standard"):
    """``n`` storable products in a category of the given sync criticality."""
    category = e["product.category"].search([("name", "=", f"Bench {criticality}")], limit=1)
    if not category:
        category = e["product.category"].create(
            {"name": f"Bench {criticality}", "stock_sync_criticality": criticality}
        )
    return e["product.product"].create([
        {
            "name": f"{prefix} {i:04d}",
            "default_code": f"{prefix}-{i:04d}",
            "is_storable": True,
            "categ_id": category.id,
        }
        for i in range(n)
    ])


def make_endpoint(e, name, url, **vals):
    """The only active endpoint from now on, with one fresh secret; returns (endpoint, secret).

    Older bench endpoints are archived so that each bench fans out to exactly
    one subscriber and dispatches nothing left over by a previous bench. The
    receivers listen on 127.0.0.1, which endpoints accept only when
    ``stock_sync.allow_local_urls`` says so.
    """
    from odoo import Command

    e["ir.config_parameter"].set_param("stock_sync.allow_local_urls", "True")
    e["stock.sync.endpoint"].search([]).write({"active": False})
    endpoint = e["stock.sync.endpoint"].create(
        dict({"name": name, "url": url, "secret_ids": [Command.create({})]}, **vals)
    )
    return endpoint, endpoint.secret_ids.secret
def validate_receipt(e, lines):
    """Receive ``lines`` [(product, qty)] from the vendor into WH/Stock, as the UI does."""
    from odoo import Command

    wh = warehouse(e)
    src, dest = e.ref("stock.stock_location_suppliers"), wh.lot_stock_id
    picking = e["stock.picking"].create({
        "picking_type_id": wh.in_type_id.id,
        "location_id": src.id,
        "location_dest_id": dest.id,
        "move_ids": [
            Command.create({
                "name": product.name, "product_id": product.id, "product_uom_qty": qty,
                "product_uom": product.uom_id.id, "location_id": src.id, "location_dest_id": dest.id,
            })
            for product, qty in lines
        ],
    })
    picking.action_confirm()
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    result = picking.button_validate()
    if picking.state != "done":
        raise RuntimeError(f"receipt {picking.name} not done ({picking.state}): {result!r}")
    return picking


def make_bom(e, finished, components):
    """A BoM making one ``finished`` from ``components`` [(product, qty)]."""
    from odoo import Command

    return e["mrp.bom"].create({
        "product_tmpl_id": finished.product_tmpl_id.id,
        "product_qty": 1,
        "bom_line_ids": [
            Command.create({"product_id": p.id, "product_qty": qty}) for p, qty in components
        ],
    })


def produce(e, bom, qty=1):
    """Confirm, reserve and finish a manufacturing order, as the UI does."""
    production = e["mrp.production"].create({
        "product_id": bom.product_id.id or bom.product_tmpl_id.product_variant_id.id,
        "bom_id": bom.id,
        "product_qty": qty,
    })
    production.action_confirm()
    production.action_assign()
    production.qty_producing = qty
    production.move_raw_ids.picked = True
    result = production.button_mark_done()
    if production.state != "done":
        raise RuntimeError(f"MO {production.name} not done ({production.state}): {result!r}")
    return production


def event_uuids(e, moves):
    """The CloudEvent ids written for ``moves`` (in the current transaction)."""
    events = e["stock.sync.event"].sudo().search([("move_line_id", "in", moves.move_line_ids.ids)])
    return events.mapped("event_uuid")


def make_webhook_rule(e, url):
    """Odoo's own answer to the problem: an automation rule on stock.move.

    Trigger "State is set to: Done", action "Send Webhook Notification": Odoo
    POSTs the move's fields as JSON, in the user's transaction, timeout 1 s,
    and only logs a failure. Returns the rule (archive it when done).
    """
    from odoo import Command

    model = e["ir.model"]._get("stock.move")
    done = e["ir.model.fields.selection"].search([
        ("field_id.model", "=", "stock.move"), ("field_id.name", "=", "state"), ("value", "=", "done"),
    ])
    wanted = ["product_id", "product_uom_qty", "quantity", "location_id", "location_dest_id",
              "reference", "date", "state"]
    fields_ = e["ir.model.fields"].search([("model", "=", "stock.move"), ("name", "in", wanted)])
    return e["base.automation"].create({
        "name": "Bench: stock move done webhook",
        "model_id": model.id,
        "trigger": "on_state_set",
        "trg_selection_field_id": done.id,
        "action_server_ids": [Command.create({
            "name": "Bench: POST the move",
            "model_id": model.id,
            "state": "webhook",
            "webhook_url": url,
            "webhook_field_ids": [Command.set(fields_.ids)],
        })],
    })


def paced(rate, duration):
    """Yield (index, scheduled offset) ``rate`` times a second for ``duration`` s.

    Bounded by count: if the caller falls behind, the next ones go at once
    rather than being skipped, and the achieved rate tells.
    """
    count = max(1, int(rate * duration))
    start = time.monotonic()
    for i in range(count):
        offset = i / rate
        delay = start + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield i, offset


def receipt_load(registry, uid, product_ids, rate, duration, lines=2, on_tick=None):
    """Validate receipts at ``rate`` a second for ``duration`` s, each in its own transaction.

    Returns one (commit time, CloudEvent ids, moves done) per receipt; the
    time is taken right after the commit, i.e. when the user's call returns.
    ``on_tick(offset)`` runs before each receipt (the outage bench uses it).
    """
    committed = []
    for i, offset in paced(rate, duration):
        if on_tick:
            on_tick(offset)
        with env(registry, uid) as e:
            products = e["product.product"].browse(product_ids)
            picking = validate_receipt(
                e, [(products[(lines * i + k) % len(products)], 1) for k in range(lines)]
            )
            ids, moves = event_uuids(e, picking.move_ids), len(picking.move_ids)
        committed.append((time.time(), ids, moves))
    return committed


def live_setup(registry, name, n_products=20, **endpoint_vals):
    """Critical products, a real-time endpoint and its started receiver (for the server benches).

    Returns (product ids, endpoint id, receiver).
    """
    with env(registry) as e:
        products = make_products(e, n_products, name.upper()[:4], "critical")
        endpoint, secret = make_endpoint(e, f"Bench {name}", "http://127.0.0.1:9/events",
                                         **endpoint_vals)
        endpoint_id = endpoint.id
    receiver = webhook_receiver(secret)
    with env(registry) as e:
        e["stock.sync.endpoint"].browse(endpoint_id).url = receiver.url
    set_capture(registry, True)
    return products.ids, endpoint_id, receiver


def warm_up(registry, uid, product_ids, receiver, timeout=90):
    """A few receipts through the running server until they arrive: crons at start-up,
    first connections and caches are out of the way before we measure."""
    batch = receipt_load(registry, uid, product_ids, rate=2, duration=2)
    wanted = sum(len(ids) for _, ids, _ in batch)
    if not receiver.wait_for(wanted, timeout=timeout):
        raise RuntimeError(f"warm-up: {len(receiver.unique_events())}/{wanted} events "
                           f"arrived within {timeout}s; is the server's cron thread running?")


def template_data(registry, uid, product_id):
    """The ``data`` of a real receipt's movement event, to copy into backlogs."""
    with env(registry, uid) as e:
        picking = validate_receipt(e, [(e["product.product"].browse(product_id), 1)])
        event = e["stock.sync.event"].sudo().search(
            [("move_line_id", "in", picking.move_line_ids.ids)], limit=1
        )
        return copy.deepcopy(event.payload["data"])


def emit_backlog(registry, n_events, product_ids, template, chunk=1000, reference="BENCH"):
    """``n_events`` receipt events, keys in turn, through ``emit``, ``chunk`` per
    transaction; returns their CloudEvent ids in order. Unnumbered until a
    dispatcher runs."""
    from odoo.addons.stock_sync.services.event_draft import EventDraft

    ids = []
    for start in range(0, n_events, chunk):
        with env(registry) as e:
            products = e["product.product"].browse(product_ids)
            wh = warehouse(e)
            src, dest = e.ref("stock.stock_location_suppliers"), wh.lot_stock_id
            drafts = []
            for i in range(start, min(n_events, start + chunk)):
                product = products[i % len(products)]
                data = dict(template, reference=f"WH/IN/{reference}/{i:06d}",
                            quantity=float(i % 50 + 1))
                data["product"] = dict(template["product"], id=product.id,
                                       default_code=product.default_code, name=product.name)
                drafts.append(EventDraft(
                    company=wh.company_id, product=product, location_from=src,
                    location_to=dest, operation="receipt", reference=data["reference"],
                    occurred_at=e.cr.now(), data=data,
                ))
            ids += e["stock.sync.event"].emit(MOVEMENT, drafts).mapped("event_uuid")
    return ids


def backlog_states(registry, endpoint_id):
    """``{state: count}`` of the endpoint's deliveries."""
    with env(registry) as e:
        e.cr.execute("SELECT state, count(*) FROM stock_sync_delivery WHERE endpoint_id = %s"
                     " GROUP BY state", (endpoint_id,))
        return dict(e.cr.fetchall())


def settle(registry, endpoint_id):
    """Mark what a bounded run left behind as delivered, so the next step starts clean."""
    with env(registry) as e:
        e.cr.execute("""
            UPDATE stock_sync_delivery SET state = 'delivered'
             WHERE endpoint_id = %s AND state NOT IN ('delivered', 'cancelled')""",
                     (endpoint_id,))
