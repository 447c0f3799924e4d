"""Map a snapshot and compare it with Odoo's stock at its time T, in set-based SQL.

No ORM here: the reconciliation model passes a cursor and plain data
(:class:`CompareParams`), so that the same code runs in the wizard, the cron
and the benchmark, and a 100,000-line snapshot costs a few statements, not
100,000 ORM calls.

The steps, each a small named function:

1. :func:`map_snapshot`: snapshot lines get a product, a location, a lot, a
   bucket and a quantity in the product's unit (through the backend's
   cross-references, or internal reference / barcode / location name when
   there is no backend). Lines that do not map keep an ``error``: they are
   listed as *unmapped*, never dropped.
2. :func:`compare`: Odoo's stock at T per product x location x lot x
   bucket (from quants when nothing moved in scope after T, else from the
   done move-line ledger up to T), the snapshot per the same key, a full
   outer join, the outbox events done by T but not acknowledged by the
   backend's endpoints by T (*in flight*), then one ``INSERT ... SELECT`` of
   the difference lines with their class, value at cost, tolerance rule,
   decision and hints.
"""

from dataclasses import dataclass, field

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
AVAILABLE = "available"

# Difference classes (also the selection of the line model).
QUANTITY = "quantity"
MISSING_ODOO = "missing_odoo"
MISSING_EXTERNAL = "missing_external"
LOT = "lot"
STATUS = "status"
UNIT_FACTOR = "unit_factor"
UNMAPPED = "unmapped"
IN_FLIGHT = "in_flight"
CLASSES = [
    (QUANTITY, "Quantity mismatch"),
    (MISSING_ODOO, "Missing in Odoo"),
    (MISSING_EXTERNAL, "Missing externally"),
    (LOT, "Lot mismatch"),
    (STATUS, "Status / bucket mismatch"),
    (UNIT_FACTOR, "Unit factor suspicion"),
    (UNMAPPED, "Unmapped reference"),
    (IN_FLIGHT, "In flight"),
]
# Line decisions.
TO_REVIEW = "to_review"
APPROVED = "approved"
REJECTED = "rejected"
AUTO = "auto"
EXPLAINED = "explained"
NOTHING = "nothing"
DECISIONS = [
    (TO_REVIEW, "To Review"),
    (AUTO, "Auto-accepted"),
    (APPROVED, "Approved"),
    (REJECTED, "Rejected"),
    (EXPLAINED, "Explained (in flight)"),
    (NOTHING, "Fix the mapping"),
]
# What a snapshot status means, when the run does not say otherwise.
DEFAULT_STATUSES = {
    "": AVAILABLE,
    "available": AVAILABLE,
    "allocated": AVAILABLE,
    "reserved": AVAILABLE,
    "picked": AVAILABLE,
    "on hand": AVAILABLE,
    "onhand": AVAILABLE,
    "unrestricted": AVAILABLE,
    "sellable": AVAILABLE,
    "f": AVAILABLE,  # SAP EWM free stock
    "f2": AVAILABLE,
    "qa_hold": "qa_hold",
    "qa hold": "qa_hold",
    "hold": "qa_hold",
    "inspection": "qa_hold",
    "q": "qa_hold",  # SAP: in quality inspection
    "quarantine": "quarantine",
    "blocked": "quarantine",
    "b": "quarantine",
    "rejected": "rejected",
    "damaged": "rejected",
    "unsellable": "rejected",
}
# Odoo's unit names for the codes snapshots carry (UN/ECE rec. 20 and common ones).
UNIT_ALIASES = {
    "ea": "Units",
    "each": "Units",
    "pce": "Units",
    "pcs": "Units",
    "pc": "Units",
    "c62": "Units",
    "unit": "Units",
    "units": "Units",
    "dz": "Dozens",
    "dzn": "Dozens",
    "kgm": "kg",
    "mtr": "m",
    "ltr": "L",
}
EPSILON = 1e-6


@dataclass
class CompareParams:
    """What one comparison needs, as plain data.

    ``location_ids``: the internal locations compared (Odoo's stock outside
    them is not looked at); ``buckets``: {location id: bucket} for the
    locations that are a hold bucket (the rest are ``available``);
    ``endpoint_ids``: the outbox endpoints that send to the backend (empty:
    no event is in flight); ``waiting_event_ids``: events bound for them that
    the dispatcher has not numbered yet (so without delivery); ``product_ids``: None for a full snapshot, else
    only these products are compared; ``default_value_threshold``: the value
    at cost from which a difference needs a manager when no tolerance rule
    says otherwise.
    """

    run_id: int
    company_id: int
    as_of: object  # naive UTC datetime
    location_ids: list
    buckets: dict = field(default_factory=dict)
    endpoint_ids: list = field(default_factory=list)
    waiting_event_ids: list = field(default_factory=list)
    backend_id: int = None
    full_snapshot: bool = True
    default_value_threshold: float = 1000.0


# ----------------------------------------------------------------------
# 1. Mapping
# ----------------------------------------------------------------------
def map_snapshot(
    cr,
    run_id,
    company_id,
    backend_id,
    location_ids,
    default_location_id,
    statuses,
    bucket_locations,
):
    """Resolve the run's snapshot lines in place, in one statement; returns the unmapped count.

    :param statuses: {snapshot status (lower case): bucket}.
    :param bucket_locations: {(warehouse id, bucket): location id}, where a
        held status puts the line (the quality-hold glue fills it).
    :param location_ids: the locations a line may map to (the run's scope).

    Products, locations and units map through the backend's cross-references
    (``backend_id``), else by internal reference or barcode, by location
    barcode, full name or name, and by unit name; a code that two records
    share maps to neither (never guess). A line whose unit is of another
    category than its product's keeps ``unit_uom_id`` and no quantity (see
    :func:`unit_category_errors`).
    """
    aliases = list(UNIT_ALIASES.items())
    rows = list(statuses.items())
    keys = list(bucket_locations.items())
    args = {
        "run": run_id,
        "company": company_id,
        "backend": backend_id,
        "locations": list(location_ids),
        "default_location": default_location_id,
        "codes": [row[0] for row in rows],
        "buckets": [row[1] for row in rows],
        "b_warehouses": [key[0][0] for key in keys],
        "b_buckets": [key[0][1] for key in keys],
        "b_targets": [key[1] for key in keys],
        "u_codes": [a[0] for a in aliases],
        "u_names": [a[1] for a in aliases],
    }
    if backend_id:
        products = """
            SELECT x.external_code AS sku, x.product_id FROM stock_sync_xref_product x
             WHERE x.backend_id = %(backend)s
        """
        locations = """
            SELECT x.external_code AS code, x.location_id FROM stock_sync_xref_location x
             WHERE x.backend_id = %(backend)s AND x.location_id = ANY(%(locations)s)
        """
    else:
        products = """
            SELECT c.sku, MIN(p.id) AS product_id
              FROM (SELECT DISTINCT sku FROM stock_sync_reconciliation_snapshot
                     WHERE reconciliation_id = %(run)s) c
              JOIN product_product p ON p.default_code = c.sku OR p.barcode = c.sku
              JOIN product_template t ON t.id = p.product_tmpl_id
             WHERE p.active AND t.is_storable
               AND (t.company_id IS NULL OR t.company_id = %(company)s)
             GROUP BY c.sku HAVING COUNT(DISTINCT p.id) = 1
        """
        locations = """
            SELECT c.code, MIN(l.id) AS location_id
              FROM (SELECT DISTINCT location_code AS code FROM stock_sync_reconciliation_snapshot
                     WHERE reconciliation_id = %(run)s AND location_code <> '') c
              JOIN stock_location l
                ON l.barcode = c.code OR l.complete_name = c.code OR l.name = c.code
             WHERE l.id = ANY(%(locations)s)
             GROUP BY c.code HAVING COUNT(DISTINCT l.id) = 1
        """
    # Temporary tables with statistics of their own: joined as CTEs, 100,000 lines against
    # their codes were nested loops (minutes); analysed, they are hash joins (a second).
    cr.execute(
        f"""
        DROP TABLE IF EXISTS recon_map_snap, recon_map_products, recon_map_locations;
        CREATE TEMP TABLE recon_map_snap AS
        SELECT id, sku, location_code, lot_name, lower(status) AS status, quantity, unit
          FROM stock_sync_reconciliation_snapshot WHERE reconciliation_id = %(run)s;
        CREATE TEMP TABLE recon_map_products AS {products};
        CREATE TEMP TABLE recon_map_locations AS {locations};
        ANALYZE recon_map_snap;
        ANALYZE recon_map_products;
        ANALYZE recon_map_locations;
        """,
        args,
    )
    cr.execute(
        """
        WITH snap AS (SELECT * FROM recon_map_snap
        ), products AS (SELECT * FROM recon_map_products
        ), locations AS (SELECT * FROM recon_map_locations
        ), statuses AS (
            SELECT * FROM unnest(%(codes)s::varchar[], %(buckets)s::varchar[]) AS m(code, bucket)
        ), bucket_locations AS (
            SELECT * FROM unnest(%(b_warehouses)s::int[], %(b_buckets)s::varchar[], %(b_targets)s::int[])
                   AS m(warehouse_id, bucket, location_id)
        ), base AS (
            SELECT s.id, s.lot_name, s.quantity, s.unit, s.sku, s.location_code, s.status,
                   p.product_id, t.tracking, pu.id AS product_uom, pu.factor AS product_factor,
                   pu.category_id AS product_category,
                   CASE WHEN s.location_code = '' THEN %(default_location)s ELSE l.location_id END
                       AS location_id,
                   st.bucket
              FROM snap s
              LEFT JOIN products p ON p.sku = s.sku
              LEFT JOIN product_product pp ON pp.id = p.product_id
              LEFT JOIN product_template t ON t.id = pp.product_tmpl_id
              LEFT JOIN uom_uom pu ON pu.id = t.uom_id
              LEFT JOIN locations l ON l.code = s.location_code
              LEFT JOIN statuses st ON st.code = s.status
        ), mapped AS (
            SELECT b.id, b.product_id, b.bucket,
                   COALESCE(bl.location_id, b.location_id) AS location_id,
                   CASE WHEN b.tracking <> 'none' AND b.lot_name <> '' THEN lot.id END AS lot_id,
                   CASE WHEN b.tracking <> 'none' AND b.lot_name <> '' AND lot.id IS NULL
                        THEN b.lot_name END AS new_lot,
                   u.uom_id, u.factor, o.factor AS uom_factor, o.category_id AS uom_category,
                   b.product_factor, b.product_category, b.quantity, b.unit, b.sku,
                   b.location_code, b.status
              FROM base b
              LEFT JOIN stock_location sl ON sl.id = b.location_id
              LEFT JOIN bucket_locations bl
                ON b.bucket <> 'available' AND bl.warehouse_id = sl.warehouse_id
               AND bl.bucket = b.bucket
              LEFT JOIN stock_lot lot
                ON b.tracking <> 'none' AND b.lot_name <> '' AND lot.product_id = b.product_id
               AND lot.name = b.lot_name AND (lot.company_id IS NULL OR lot.company_id = %(company)s)
              LEFT JOIN LATERAL (
                    SELECT CASE WHEN b.unit = '' THEN b.product_uom
                                WHEN %(backend)s::int IS NOT NULL THEN x.uom_id
                                ELSE (SELECT o2.id FROM uom_uom o2
                                       WHERE o2.active AND lower(o2.name->>'en_US') = lower(COALESCE(
                                             (SELECT a.name FROM unnest(%(u_codes)s::varchar[],
                                                                        %(u_names)s::varchar[]) AS a(code, name)
                                               WHERE a.code = lower(b.unit)), b.unit))
                                       ORDER BY (o2.category_id = b.product_category) DESC, o2.id
                                       LIMIT 1)
                           END AS uom_id,
                           COALESCE(x.factor, 1.0) AS factor
                      FROM (SELECT 1) one
                      LEFT JOIN stock_sync_xref_uom x
                        ON b.unit <> '' AND x.backend_id = %(backend)s AND x.external_code = b.unit
                  ) u ON b.product_id IS NOT NULL
              LEFT JOIN uom_uom o ON o.id = u.uom_id
        )
        UPDATE stock_sync_reconciliation_snapshot t
           SET product_id = m.product_id,
               location_id = m.location_id,
               lot_id = m.lot_id,
               new_lot = m.new_lot,
               bucket = m.bucket,
               unit_uom_id = m.uom_id,
               quantity_product = CASE WHEN m.uom_category = m.product_category
                                       THEN m.quantity * m.factor / m.uom_factor * m.product_factor END,
               error = CASE
                 WHEN m.product_id IS NULL THEN format('unknown SKU %%s', m.sku)
                 WHEN m.location_id IS NULL AND m.location_code <> ''
                   THEN format('location %%s is not mapped, or outside this run''s warehouse',
                               m.location_code)
                 WHEN m.location_id IS NULL THEN 'no location, and the run has no warehouse'
                 WHEN m.bucket IS NULL THEN format('unknown status %%s: map it on the run', m.status)
                 WHEN m.uom_id IS NULL THEN format('unknown unit %%s', m.unit)
               END
          FROM mapped m
         WHERE t.id = m.id
        """,
        args,
    )
    cr.execute("DROP TABLE recon_map_snap, recon_map_products, recon_map_locations")
    cr.execute(
        "SELECT COUNT(*) FROM stock_sync_reconciliation_snapshot"
        " WHERE reconciliation_id = %s AND error IS NOT NULL",
        (run_id,),
    )
    return cr.fetchone()[0]


def unit_category_errors(cr, run_id, limit=10):
    """Rows whose unit is of another category than their product's: [(row, sku, unit)]."""
    cr.execute(
        """
        SELECT s.row_number, s.sku, s.unit, s.id
          FROM stock_sync_reconciliation_snapshot s
         WHERE s.reconciliation_id = %s AND s.unit_uom_id IS NOT NULL
           AND s.quantity_product IS NULL
         ORDER BY s.row_number
        """,
        (run_id,),
    )
    rows = cr.fetchall()
    return len(rows), [row[:3] for row in rows[:limit]]


# ----------------------------------------------------------------------
# 2. Comparison
# ----------------------------------------------------------------------
def moved_after(cr, params):
    """Whether a done move line in scope is dated after T (then T is in the past)."""
    cr.execute(
        """
        SELECT 1 FROM stock_move_line
         WHERE state = 'done' AND date > %(as_of)s
           AND (location_id = ANY(%(locations)s) OR location_dest_id = ANY(%(locations)s))
         LIMIT 1
        """,
        {"as_of": params.as_of, "locations": params.location_ids},
    )
    return bool(cr.fetchone())


def compare(cr, params, progress=None):
    """Write the difference lines of the run; return its figures.

    :param progress: optional callable(percent, message).
    :returns: dict with ``keys`` (product x location x lot x bucket keys
        compared), ``matched``, ``past`` (stock at T from the ledger),
        ``counts`` {class: lines}, ``within`` (lines within tolerance or
        explained), ``variance_value`` (sum of absolute values at cost,
        in-flight and unmapped lines left out).
    """
    report = progress or (lambda percent, message: None)
    args = {
        "run": params.run_id,
        "company": params.company_id,
        "as_of": params.as_of,
        "locations": list(params.location_ids),
        "endpoints": list(params.endpoint_ids),
        "waiting": list(params.waiting_event_ids),
        "full": params.full_snapshot,
        "eps": EPSILON,
        "threshold": params.default_value_threshold,
        "movement": MOVEMENT_TYPE,
    }
    cr.execute("DELETE FROM stock_sync_reconciliation_line WHERE reconciliation_id = %(run)s", args)
    _buckets_table(cr, params.buckets)
    past = moved_after(cr, params)
    report(10, "Odoo's stock at T")
    _odoo_stock(cr, args, past)
    report(30, "Snapshot")
    _snapshot_stock(cr, args)
    report(45, "Events in flight")
    _in_flight(cr, args)
    report(55, "Joining")
    cr.execute(
        """
        DROP TABLE IF EXISTS recon_cmp;
        CREATE TEMP TABLE recon_cmp AS
        SELECT COALESCE(o.product_id, s.product_id) AS product_id,
               COALESCE(o.location_id, s.location_id) AS location_id,
               COALESCE(o.lot_id, s.lot_id) AS lot_id,
               COALESCE(o.new_lot, s.new_lot) AS new_lot,
               COALESCE(o.bucket, s.bucket) AS bucket,
               COALESCE(o.qty, 0) AS qty_odoo,
               COALESCE(s.qty, 0) AS qty_ext,
               COALESCE(f.qty, 0) AS qty_flight
          FROM recon_odoo o
          FULL JOIN recon_snap s
            ON s.product_id = o.product_id AND s.location_id = o.location_id
           AND s.lot_id = o.lot_id AND s.new_lot = o.new_lot AND s.bucket = o.bucket
          LEFT JOIN recon_flight f
            ON f.product_id = COALESCE(o.product_id, s.product_id)
           AND f.location_id = COALESCE(o.location_id, s.location_id)
           AND f.lot_id = COALESCE(o.lot_id, s.lot_id)
           AND COALESCE(o.new_lot, s.new_lot) = '';
        ANALYZE recon_cmp;
        SELECT COUNT(*), COUNT(*) FILTER (WHERE abs(qty_ext - qty_odoo) <= %(eps)s) FROM recon_cmp;
        """,
        args,
    )
    keys, matched = cr.fetchone()
    report(70, "Difference lines")
    _insert_differences(cr, args)
    _insert_unmapped(cr, args)
    report(80, "Lots, buckets and units")
    _pair_lots_and_buckets(cr, args)
    _unit_factors(cr, args)
    report(90, "Tolerances and hints")
    _tolerances(cr, args)
    _hints(cr, args)
    cr.execute(
        """
        SELECT diff_class, COUNT(*),
               COUNT(*) FILTER (WHERE within_tolerance OR diff_class = 'in_flight'),
               COALESCE(SUM(abs(value)) FILTER (WHERE diff_class NOT IN ('in_flight', 'unmapped')), 0)
          FROM stock_sync_reconciliation_line WHERE reconciliation_id = %(run)s
         GROUP BY diff_class
        """,
        args,
    )
    counts, within, value = {}, 0, 0.0
    for diff_class, count, ok, class_value in cr.fetchall():
        counts[diff_class] = count
        within += ok
        value += float(class_value)
    cr.execute(
        "DROP TABLE IF EXISTS recon_cmp, recon_odoo, recon_snap, recon_flight, recon_bucket, recon_lines"
    )
    report(100, "Done")
    return {
        "keys": keys + counts.get(UNMAPPED, 0),
        "matched": matched,
        "past": past,
        "counts": counts,
        "within": within,
        "variance_value": value,
    }


def _buckets_table(cr, buckets):
    cr.execute(
        """
        DROP TABLE IF EXISTS recon_bucket;
        CREATE TEMP TABLE recon_bucket AS
        SELECT * FROM unnest(%s::int[], %s::varchar[]) AS b(location_id, bucket);
        """,
        (list(buckets), list(buckets.values())),
    )


def _odoo_stock(cr, args, past):
    """recon_odoo: Odoo's stock at T per key (quants now, or the done ledger up to T)."""
    only_snapshot = (
        ""
        if args["full"]
        else "AND product_id IN (SELECT product_id FROM stock_sync_reconciliation_snapshot"
        " WHERE reconciliation_id = %(run)s AND product_id IS NOT NULL)"
    )
    if past:
        source = f"""
            SELECT product_id, location_dest_id AS location_id, COALESCE(lot_id, 0) AS lot_id,
                   quantity_product_uom AS qty
              FROM stock_move_line
             WHERE state = 'done' AND date <= %(as_of)s AND location_dest_id = ANY(%(locations)s)
                   {only_snapshot}
            UNION ALL
            SELECT product_id, location_id, COALESCE(lot_id, 0), -quantity_product_uom
              FROM stock_move_line
             WHERE state = 'done' AND date <= %(as_of)s AND location_id = ANY(%(locations)s)
                   {only_snapshot}
        """
    else:
        source = f"""
            SELECT product_id, location_id, COALESCE(lot_id, 0) AS lot_id, quantity AS qty
              FROM stock_quant
             WHERE location_id = ANY(%(locations)s) {only_snapshot}
        """
    cr.execute(
        f"""
        DROP TABLE IF EXISTS recon_odoo;
        CREATE TEMP TABLE recon_odoo AS
        SELECT m.product_id, m.location_id, m.lot_id, ''::varchar AS new_lot,
               COALESCE(b.bucket, 'available')::varchar AS bucket, SUM(m.qty) AS qty
          FROM ({source}) m
          LEFT JOIN recon_bucket b ON b.location_id = m.location_id
         GROUP BY 1, 2, 3, 4, 5
        HAVING abs(SUM(m.qty)) > %(eps)s;
        ANALYZE recon_odoo;
        """,
        args,
    )


def _snapshot_stock(cr, args):
    cr.execute(
        """
        DROP TABLE IF EXISTS recon_snap;
        CREATE TEMP TABLE recon_snap AS
        SELECT product_id, location_id, COALESCE(lot_id, 0) AS lot_id,
               COALESCE(new_lot, '')::varchar AS new_lot, bucket::varchar AS bucket,
               SUM(quantity_product) AS qty
          FROM stock_sync_reconciliation_snapshot
         WHERE reconciliation_id = %(run)s AND error IS NULL
         GROUP BY 1, 2, 3, 4, 5;
        ANALYZE recon_snap;
        """,
        args,
    )


def _in_flight(cr, args):
    """recon_flight: per key, the net quantity of events done by T that the system had not
    acknowledged by T (a delivery to one of its endpoints not delivered, or delivered later,
    or bound for them and not numbered yet: ``waiting``)."""
    cr.execute(
        """
        DROP TABLE IF EXISTS recon_flight;
        CREATE TEMP TABLE recon_flight AS
        WITH events AS (
            SELECT DISTINCT e.id, e.product_id, e.location_id, e.location_dest_id,
                   COALESCE(e.lot_id, 0) AS lot_id,
                   (e.payload->'data'->>'quantity')::numeric AS qty
              FROM stock_sync_delivery d
              JOIN stock_sync_event e ON e.id = d.event_id
             WHERE d.endpoint_id = ANY(%(endpoints)s)
               -- as_of has whole seconds: an acknowledgement within its second is before it
               AND (d.state <> 'delivered' OR date_trunc('second', d.delivered_at) > %(as_of)s)
               AND d.state <> 'cancelled'
               AND e.type = %(movement)s AND e.timestamp <= %(as_of)s
               AND e.company_id = %(company)s AND e.product_id IS NOT NULL
               AND e.operation <> 'correction'
             UNION
            -- Committed, not numbered yet, bound for the backend: no delivery
            -- yet (the dispatcher writes them as it numbers, within a second or so).
            SELECT e.id, e.product_id, e.location_id, e.location_dest_id,
                   COALESCE(e.lot_id, 0) AS lot_id,
                   (e.payload->'data'->>'quantity')::numeric AS qty
              FROM stock_sync_event e
             WHERE e.id = ANY(%(waiting)s)
               AND e.type = %(movement)s AND e.timestamp <= %(as_of)s
               AND e.company_id = %(company)s AND e.product_id IS NOT NULL
               AND e.operation <> 'correction'
        )
        SELECT product_id, location_id, lot_id, SUM(qty) AS qty FROM (
            SELECT product_id, location_dest_id AS location_id, lot_id, qty FROM events
             WHERE location_dest_id = ANY(%(locations)s)
            UNION ALL
            SELECT product_id, location_id, lot_id, -qty FROM events
             WHERE location_id = ANY(%(locations)s)
        ) m
         GROUP BY 1, 2, 3
        HAVING abs(SUM(qty)) > %(eps)s;
        """,
        args,
    )


def _insert_differences(cr, args):
    cr.execute(
        """
        INSERT INTO stock_sync_reconciliation_line (
            reconciliation_id, company_id, product_id, location_id, lot_id, lot_name, bucket,
            diff_class, qty_odoo, qty_external, qty_in_flight, difference, correction_qty,
            percent, unit_cost, value, abs_value, within_tolerance, needs_manager, decision, applied,
            create_uid, write_uid, create_date, write_date)
        SELECT %(run)s, %(company)s, c.product_id, c.location_id, NULLIF(c.lot_id, 0),
               NULLIF(c.new_lot, ''), c.bucket,
               CASE
                 WHEN c.qty_flight <> 0 AND abs(c.qty_ext - (c.qty_odoo - c.qty_flight)) <= %(eps)s
                   THEN 'in_flight'
                 WHEN abs(c.qty_odoo) <= %(eps)s THEN 'missing_odoo'
                 WHEN abs(c.qty_ext) <= %(eps)s THEN 'missing_external'
                 ELSE 'quantity'
               END,
               c.qty_odoo, c.qty_ext, c.qty_flight, c.qty_ext - c.qty_odoo,
               c.qty_ext + c.qty_flight - c.qty_odoo,
               CASE WHEN abs(c.qty_odoo) > %(eps)s
                    THEN round(100.0 * (c.qty_ext - c.qty_odoo) / abs(c.qty_odoo), 2)
                    ELSE 100.0 END,
               COALESCE((p.standard_price->>%(company)s::text)::numeric, 0),
               round((c.qty_ext + c.qty_flight - c.qty_odoo)
                     * COALESCE((p.standard_price->>%(company)s::text)::numeric, 0), 2),
               abs(round((c.qty_ext + c.qty_flight - c.qty_odoo)
                     * COALESCE((p.standard_price->>%(company)s::text)::numeric, 0), 2)),
               false, false, 'to_review', false,
               u.uid, u.uid, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM recon_cmp c
          JOIN product_product p ON p.id = c.product_id
          CROSS JOIN (SELECT create_uid AS uid FROM stock_sync_reconciliation
                       WHERE id = %(run)s) u
         WHERE abs(c.qty_ext - c.qty_odoo) > %(eps)s
        """,
        args,
    )


def _insert_unmapped(cr, args):
    cr.execute(
        """
        INSERT INTO stock_sync_reconciliation_line (
            reconciliation_id, company_id, product_id, location_id, lot_name, bucket,
            external_sku, external_location, external_lot, external_status, external_unit,
            snapshot_row, diff_class, qty_odoo, qty_external, qty_in_flight, difference,
            correction_qty, percent, unit_cost, value, abs_value, within_tolerance, needs_manager,
            decision, applied, hint, create_uid, write_uid, create_date, write_date)
        SELECT s.reconciliation_id, %(company)s, s.product_id, s.location_id, s.lot_name,
               s.bucket, s.sku, s.location_code, s.lot_name, s.status, s.unit, s.row_number,
               'unmapped', 0, s.quantity, 0, s.quantity, 0, 100.0, 0, 0, 0, false, false, 'nothing',
               false, format('Row %%s: %%s. Add the cross-reference, then compare again.',
                             s.row_number, s.error),
               s.create_uid, s.create_uid, now() at time zone 'UTC', now() at time zone 'UTC'
          FROM stock_sync_reconciliation_snapshot s
         WHERE s.reconciliation_id = %(run)s AND s.error IS NOT NULL
        """,
        args,
    )


def _pair_lots_and_buckets(cr, args):
    """Missing on one side and missing on the other, for the same product: a lot or a
    bucket mismatch (the same stock, recorded under another lot or status)."""
    # The run's lines in a temporary table with statistics of its own (an ANALYZE of the
    # shared table would lock out other runs): the planner then hash-joins them with
    # themselves instead of a nested loop, quadratic in the number of differences.
    cr.execute(
        """
        DROP TABLE IF EXISTS recon_lines;
        CREATE TEMP TABLE recon_lines AS
        SELECT id, reconciliation_id, product_id, location_id, lot_id, lot_name, bucket,
               difference, diff_class
          FROM stock_sync_reconciliation_line
         WHERE reconciliation_id = %(run)s
           AND diff_class IN ('missing_odoo', 'missing_external', 'quantity');
        ANALYZE recon_lines;
        """,
        args,
    )
    cr.execute(
        """
        WITH pairs AS (
            SELECT a.id AS a_id, b.id AS b_id,
                   CASE WHEN a.location_id = b.location_id AND a.bucket = b.bucket THEN 'lot'
                        ELSE 'status' END AS kind
              FROM recon_lines a
              JOIN recon_lines b
                ON b.product_id = a.product_id
               AND b.diff_class IN ('missing_odoo', 'missing_external', 'quantity')
               AND sign(b.difference) = -sign(a.difference) AND b.id <> a.id
              LEFT JOIN stock_location al ON al.id = a.location_id
              LEFT JOIN stock_location bl ON bl.id = b.location_id
             WHERE a.reconciliation_id = %(run)s
               AND a.diff_class IN ('missing_odoo', 'missing_external', 'quantity')
               AND (
                    (a.location_id = b.location_id AND a.bucket = b.bucket
                     AND (COALESCE(a.lot_id, 0) <> COALESCE(b.lot_id, 0)
                          OR COALESCE(a.lot_name, '') <> COALESCE(b.lot_name, '')))
                 OR (a.bucket <> b.bucket AND COALESCE(a.lot_id, 0) = COALESCE(b.lot_id, 0)
                     AND (a.location_id = b.location_id
                          OR COALESCE(al.warehouse_id, al.id) = COALESCE(bl.warehouse_id, bl.id)
                          OR b.location_id IN (SELECT location_id FROM recon_bucket)
                          OR a.location_id IN (SELECT location_id FROM recon_bucket)))
               )
        )
        UPDATE stock_sync_reconciliation_line l
           SET diff_class = p.kind,
               hint = concat_ws('; ', l.hint, CASE p.kind
                   WHEN 'lot' THEN format('the other side has %%s under lot %%s',
                                          abs(o.difference), COALESCE(ol.name, o.lot_name, 'none'))
                   ELSE format('the other side has %%s as %%s', abs(o.difference), o.bucket)
               END)
          FROM (SELECT DISTINCT ON (a_id) a_id, b_id, kind FROM pairs ORDER BY a_id, b_id) p
          JOIN stock_sync_reconciliation_line o ON o.id = p.b_id
          LEFT JOIN stock_lot ol ON ol.id = o.lot_id
         WHERE l.id = p.a_id
        """,
        args,
    )


def _unit_factors(cr, args):
    """A ratio Odoo / external equal to a unit factor of the product's category, or to a
    factor of the backend's unit cross-references: someone counted in the other unit."""
    cr.execute(
        """
        WITH candidates AS (
            SELECT l.id, f.ratio, f.label
              FROM stock_sync_reconciliation_line l
              JOIN product_product p ON p.id = l.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
              JOIN uom_uom pu ON pu.id = t.uom_id
              JOIN LATERAL (
                    SELECT pu.factor / u.factor AS ratio, u.name->>'en_US' AS label
                      FROM uom_uom u
                     WHERE u.category_id = pu.category_id AND u.id <> pu.id AND u.active
                    UNION ALL
                    SELECT x.factor, x.external_code
                      FROM stock_sync_xref_uom x
                      JOIN stock_sync_reconciliation r ON r.backend_id = x.backend_id
                     WHERE r.id = l.reconciliation_id AND x.factor <> 1
                  ) f ON f.ratio > 0 AND f.ratio <> 1
             WHERE l.reconciliation_id = %(run)s AND l.diff_class = 'quantity'
               AND abs(l.qty_odoo) > %(eps)s AND abs(l.qty_external) > %(eps)s
               AND (abs(l.qty_odoo / l.qty_external - f.ratio) <= 0.001 * f.ratio
                    OR abs(l.qty_external / l.qty_odoo - f.ratio) <= 0.001 * f.ratio)
        )
        UPDATE stock_sync_reconciliation_line l
           SET diff_class = 'unit_factor',
               hint = concat_ws('; ', l.hint, format('the ratio is %%s: one side counted in %%s?',
                                                     round(c.ratio::numeric, 4), c.label))
          FROM (SELECT DISTINCT ON (id) * FROM candidates ORDER BY id, ratio) c
         WHERE l.id = c.id
        """,
        args,
    )


def _tolerances(cr, args):
    """The most specific active rule (location, then category) of each line; decisions."""
    cr.execute(
        """
        UPDATE stock_sync_reconciliation_line l
           SET tolerance_id = r.id,
               within_tolerance = (abs(l.difference) <= r.abs_qty
                                   OR (abs(l.qty_odoo) > %(eps)s
                                       AND abs(l.difference) * 100.0 / abs(l.qty_odoo) <= r.percent)),
               needs_manager = abs(l.value) >= COALESCE(NULLIF(r.approval_value, 0), %(threshold)s)
          FROM stock_sync_reconciliation_line l2
          JOIN product_product p ON p.id = l2.product_id
          JOIN product_template t ON t.id = p.product_tmpl_id
          JOIN product_category pc ON pc.id = t.categ_id
          JOIN stock_location sl ON sl.id = l2.location_id
          JOIN LATERAL (
                SELECT tr.* FROM stock_sync_reconciliation_tolerance tr
                  LEFT JOIN product_category tc ON tc.id = tr.categ_id
                  LEFT JOIN stock_location tl ON tl.id = tr.location_id
                 WHERE tr.active AND tr.company_id = %(company)s
                   AND (tr.categ_id IS NULL OR pc.parent_path LIKE tc.parent_path || '%%')
                   AND (tr.location_id IS NULL OR sl.parent_path LIKE tl.parent_path || '%%')
                 ORDER BY (tr.location_id IS NOT NULL) DESC, (tr.categ_id IS NOT NULL) DESC,
                          tr.sequence, tr.id
                 LIMIT 1) r ON true
         WHERE l.id = l2.id AND l.reconciliation_id = %(run)s AND l.diff_class <> 'unmapped'
        """,
        args,
    )
    cr.execute(
        """
        UPDATE stock_sync_reconciliation_line l
           SET needs_manager = abs(l.value) >= %(threshold)s
         WHERE l.reconciliation_id = %(run)s AND l.tolerance_id IS NULL
           AND l.diff_class <> 'unmapped'
        """,
        args,
    )
    cr.execute(
        """
        UPDATE stock_sync_reconciliation_line l
           SET decision = CASE
                 WHEN l.diff_class = 'in_flight' THEN 'explained'
                 WHEN l.within_tolerance AND r.auto_accept THEN 'auto'
                 ELSE 'to_review' END
          FROM stock_sync_reconciliation_line l2
          LEFT JOIN stock_sync_reconciliation_tolerance r ON r.id = l2.tolerance_id
         WHERE l.id = l2.id AND l.reconciliation_id = %(run)s AND l.diff_class <> 'unmapped'
        """,
        args,
    )


def _hints(cr, args):
    """Evidence of the likely cause, from the outbox and the stock history of each key."""
    # In flight, wholly or partly.
    cr.execute(
        """
        UPDATE stock_sync_reconciliation_line
           SET hint = concat_ws('; ', hint, format(
                 '%%s moved in Odoo by T but not yet acknowledged by the system (in flight)%%s',
                 qty_in_flight,
                 CASE WHEN diff_class = 'in_flight' THEN ': nothing to correct' ELSE '' END))
         WHERE reconciliation_id = %(run)s AND qty_in_flight <> 0
        """,
        args,
    )
    # Failed, dead or parked deliveries of the product through the backend's endpoints.
    cr.execute(
        """
        WITH stuck AS (
            SELECT e.product_id, COUNT(DISTINCT d.id) AS n
              FROM stock_sync_delivery d
              JOIN stock_sync_event e ON e.id = d.event_id
             WHERE d.state IN ('failed', 'dead', 'parked') AND d.endpoint_id = ANY(%(endpoints)s)
               AND e.product_id IN (SELECT product_id FROM stock_sync_reconciliation_line
                                     WHERE reconciliation_id = %(run)s)
             GROUP BY e.product_id
        )
        UPDATE stock_sync_reconciliation_line l
           SET hint = concat_ws('; ', l.hint, format(
                 '%%s failed or dead deliveries of this product in the outbox: work the exception queue',
                 s.n))
          FROM stuck s
         WHERE l.reconciliation_id = %(run)s AND l.product_id = s.product_id
           AND l.diff_class <> 'in_flight'
        """,
        args,
    )
    # Repeated manual adjustments of the key over the last 90 days.
    cr.execute(
        """
        WITH adjusted AS (
            SELECT m.product_id, ml.loc AS location_id, COUNT(DISTINCT m.id) AS n
              FROM stock_move m
              CROSS JOIN LATERAL (VALUES (m.location_id), (m.location_dest_id)) ml(loc)
             WHERE m.is_inventory AND m.state = 'done' AND m.reconciliation_id IS NULL
               AND m.date > %(as_of)s - interval '90 days'
               AND m.product_id IN (SELECT product_id FROM stock_sync_reconciliation_line
                                     WHERE reconciliation_id = %(run)s)
             GROUP BY 1, 2
            HAVING COUNT(DISTINCT m.id) >= 2
        )
        UPDATE stock_sync_reconciliation_line l
           SET hint = concat_ws('; ', l.hint, format(
                 '%%s manual inventory adjustments here in 90 days: a recurring count problem?',
                 a.n))
          FROM adjusted a
         WHERE l.reconciliation_id = %(run)s AND l.product_id = a.product_id
           AND l.location_id = a.location_id AND l.diff_class <> 'unmapped'
        """,
        args,
    )
    # Negative stock in Odoo.
    cr.execute(
        """
        UPDATE stock_sync_reconciliation_line l
           SET hint = concat_ws('; ', l.hint,
                 'negative stock in Odoo: a move took more than was recorded here')
         WHERE l.reconciliation_id = %(run)s AND l.diff_class <> 'unmapped'
           AND (l.qty_odoo < 0 OR EXISTS (
                SELECT 1 FROM stock_quant q
                 WHERE q.product_id = l.product_id AND q.location_id = l.location_id
                   AND q.quantity < 0))
        """,
        args,
    )


# ----------------------------------------------------------------------
# 3. Anomaly flags, over past runs
# ----------------------------------------------------------------------
def flag_anomalies(cr, run_id, warehouse_id, as_of, history=20, z_limit=3.0, min_runs=3):
    """Flag the run's lines whose key's variance repeats, or jumps beyond its own history.

    The history is the last ``history`` compared runs of the warehouse before
    ``as_of``; a key without a difference in a run counts as 0 there.
    *Repeats*: the key differed in at least 2 of them. *Jump*: with at least
    ``min_runs`` runs, ``|z| >= z_limit``, z = (difference - mean) / standard
    deviation of the key's past differences. Returns the number of lines flagged.
    """
    cr.execute(
        """
        WITH past AS (
            SELECT id FROM stock_sync_reconciliation
             WHERE warehouse_id = %(warehouse)s AND id <> %(run)s AND as_of <= %(as_of)s
               AND state IN ('compared', 'to_approve', 'applied')
             ORDER BY as_of DESC, id DESC LIMIT %(history)s
        ), n AS (SELECT COUNT(*)::float AS runs FROM past),
        keys AS (
            SELECT DISTINCT product_id, location_id FROM stock_sync_reconciliation_line
             WHERE reconciliation_id = %(run)s AND diff_class NOT IN ('in_flight', 'unmapped')
        ), hist AS (
            SELECT l.product_id, l.location_id, l.reconciliation_id, SUM(l.difference) AS d
              FROM stock_sync_reconciliation_line l
              JOIN past p ON p.id = l.reconciliation_id
              JOIN keys k ON k.product_id = l.product_id AND k.location_id = l.location_id
             WHERE l.diff_class NOT IN ('in_flight', 'unmapped')
             GROUP BY 1, 2, 3
        ), stats AS (
            SELECT h.product_id, h.location_id, COUNT(*) AS k, SUM(h.d) AS s, SUM(h.d * h.d) AS ss
              FROM hist h GROUP BY 1, 2
        ), current AS (
            SELECT product_id, location_id, SUM(difference) AS d
              FROM stock_sync_reconciliation_line
             WHERE reconciliation_id = %(run)s AND diff_class NOT IN ('in_flight', 'unmapped')
             GROUP BY 1, 2
        ), scored AS (
            SELECT c.product_id, c.location_id, COALESCE(s.k, 0) AS k, n.runs,
                   COALESCE(s.s, 0) / NULLIF(n.runs, 0) AS mean,
                   sqrt(greatest(COALESCE(s.ss, 0) / NULLIF(n.runs, 0)
                                 - power(COALESCE(s.s, 0) / NULLIF(n.runs, 0), 2), 0)) AS sd,
                   c.d
              FROM current c CROSS JOIN n
              LEFT JOIN stats s ON s.product_id = c.product_id AND s.location_id = c.location_id
        ), flags AS (
            SELECT product_id, location_id, concat_ws('; ',
                   CASE WHEN k >= 2 THEN format('repeats: a difference in %%s of the last %%s runs',
                                                k, runs::int) END,
                   CASE WHEN runs >= %(min_runs)s AND sd > 0 AND abs(d - mean) / sd >= %(z)s
                        THEN format('jump: z = %%s over %%s runs', round(((d - mean) / sd)::numeric, 1),
                                    runs::int) END) AS flag
              FROM scored
        )
        UPDATE stock_sync_reconciliation_line l SET anomaly = f.flag
          FROM flags f
         WHERE l.reconciliation_id = %(run)s AND l.product_id = f.product_id
           AND l.location_id = f.location_id AND f.flag <> ''
           AND l.diff_class NOT IN ('in_flight', 'unmapped')
        """,
        {
            "run": run_id,
            "warehouse": warehouse_id,
            "as_of": as_of,
            "history": history,
            "z": z_limit,
            "min_runs": min_runs,
        },
    )
    return cr.rowcount
