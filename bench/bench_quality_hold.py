"""Quality hold: one lot spread over 1,000 quants, held in one action, then released.

A lot-tracked product has QUANTS packages of QTY units each (one quant per
package). Two lots of the same layout, both in this run and database: one
on WH/Stock/Shelf A for the baseline, one in WH/Stock for the quality actions.

* Baseline, as plain internal transfers through the UI's flow: one internal
  transfer Shelf A -> Shelf B of the whole lot (create, mark as to do, check
  availability: one move line per package, validate), then the same back.
* Quality hold: ``stock.lot.action_quality_recall`` (Hold Everywhere: every
  quant of the lot to the warehouse's quarantine, packages kept, so 1,000
  quants there too), then ``action_quality_release`` (all back to WH/Stock).

Both as the administrator (a quality manager), capture ON (Inventory Sync
records a movement event per move line; the hold adds its hold events), each
direction in its own committed transaction. Targets (issue #9): hold +
release at most 1.5x the two plain transfers, and under 30 s for the 1,000
quants (scale 1).
"""

import time

from lib import data as bd
from lib import stats
from lib.registry import admin_uid, env, load, parse_args, scaled

QUANTS = 1000
QTY = 5.0


def setup(registry, n):
    """Two lots of ``n`` packages each: the baseline's on Shelf A, the other in WH/Stock."""
    with env(registry) as e:
        wh = bd.warehouse(e)
        product = e["product.product"].create(
            {
                "name": "Bench held resin",
                "default_code": "HOLD-RES",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        shelves = e["stock.location"].create(
            [{"name": f"Bench Shelf {x}", "location_id": wh.lot_stock_id.id} for x in "AB"]
        )
        lots = e["stock.lot"].create(
            [
                {"name": name, "product_id": product.id, "company_id": wh.company_id.id}
                for name in ("HOLD-BASELINE", "HOLD-QUALITY")
            ]
        )
        packages = e["stock.quant.package"].create(
            [{"name": f"HOLD-PACK-{i:05d}"} for i in range(2 * n)]
        )
        quants = (
            e["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                [
                    {
                        "product_id": product.id,
                        "location_id": (shelves[0] if i < n else wh.lot_stock_id).id,
                        "lot_id": lots[i // n].id,
                        "package_id": packages[i].id,
                        "inventory_quantity": QTY,
                    }
                    for i in range(2 * n)
                ]
            )
        )
        quants.action_apply_inventory()
        return {
            "product": product.id,
            "lots": lots.ids,
            "stock": wh.lot_stock_id.id,
            "shelf_a": shelves[0].id,
            "shelf_b": shelves[1].id,
            "int_type": wh.int_type_id.id,
            "quarantine": wh.quarantine_location_id.id,
        }


def count_quants(registry, ctx, lot_id, location_id):
    with env(registry) as e:
        return e["stock.quant"].search_count(
            [
                ("lot_id", "=", lot_id),
                ("location_id", "=", location_id),
                ("quantity", ">", 0),
            ]
        )


def plain_transfer(registry, uid, ctx, src, dest, qty):
    """Create, confirm, reserve and validate one internal transfer; returns its seconds."""
    from odoo import Command

    started = time.perf_counter()
    with env(registry, uid) as e:
        picking = e["stock.picking"].create(
            {
                "picking_type_id": ctx["int_type"],
                "location_id": src,
                "location_dest_id": dest,
                "move_ids": [
                    Command.create(
                        {
                            "name": "Bench plain transfer",
                            "product_id": ctx["product"],
                            "product_uom_qty": qty,
                            "location_id": src,
                            "location_dest_id": dest,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.picked = True
        result = picking.button_validate()
        if picking.state != "done":
            raise RuntimeError(f"{picking.name} not done ({picking.state}): {result!r}")
        lines = len(picking.move_line_ids)
    return time.perf_counter() - started, lines


def quality(registry, uid, lot_id, action):
    """Hold everywhere (recall) or release one lot, as the UI's wizard does; returns seconds."""
    started = time.perf_counter()
    with env(registry, uid) as e:
        lot = e["stock.lot"].browse(lot_id)
        if action == "hold":
            reason = e.ref("stock_quality_hold.reason_recall")
            histories, skipped = lot.action_quality_recall(reason, "Bench recall")
        else:
            reason = e.ref("stock_quality_hold.reason_inspection_passed")
            histories, skipped = lot.action_quality_release(reason)
        if skipped:
            raise RuntimeError(f"{action}: {len(skipped)} quants not moved: {skipped[0][2]}")
        moved = len(histories)
    return time.perf_counter() - started, moved


def main():
    args = parse_args(__doc__)
    n = scaled(QUANTS, args.scale, minimum=10)
    results = stats.Results("quality_hold", args.scale, {"quants": n, "qty_each": QTY})
    registry = load(args.conf, args.db)
    uid = admin_uid(registry)
    ctx = setup(registry, n)
    baseline_lot, quality_lot = ctx["lots"]
    total = n * QTY

    there, lines_there = plain_transfer(registry, uid, ctx, ctx["shelf_a"], ctx["shelf_b"], total)
    back, lines_back = plain_transfer(registry, uid, ctx, ctx["shelf_b"], ctx["shelf_a"], total)
    hold_s, held = quality(registry, uid, quality_lot, "hold")
    in_quarantine = count_quants(registry, ctx, quality_lot, ctx["quarantine"])
    release_s, released = quality(registry, uid, quality_lot, "release")
    back_in_stock = count_quants(registry, ctx, quality_lot, ctx["stock"])

    results.add(
        "plain_there_s", there, "s", f"plain transfer to another shelf ({lines_there} lines)"
    )
    results.add("plain_back_s", back, "s", f"plain transfer back ({lines_back} lines)")
    results.add("plain_s", there + back, "s", "plain transfers, both ways", headline=True)
    results.add("hold_s", hold_s, "s", f"hold everywhere ({held} quants)")
    results.add("release_s", release_s, "s", f"release ({released} quants)")
    results.add(
        "quality_s",
        hold_s + release_s,
        "s",
        "hold + release",
        headline=True,
        target=("<=", 30.0) if n >= QUANTS else None,
    )
    results.ratio(
        "ratio", "quality_s", "plain_s", "hold + release / plain transfers", target=("<=", 1.5)
    )
    results.add(
        "quants_held", in_quarantine, "", "quants in quarantine after the hold", target=("==", n)
    )
    results.add(
        "quants_released",
        back_in_stock,
        "",
        "quants back in WH/Stock after release",
        target=("==", n),
    )
    results.save()


if __name__ == "__main__":
    main()
