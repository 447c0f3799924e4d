"""Available to promise (ATP) per product, warehouse and day: one set-based computation.

The definition, per product *p* and warehouse *w* (quantities in the
product's unit of measure), over the days ``date_from`` .. ``date_from +
horizon_days`` (UTC dates):

* **on hand**: the quants of *p* in the internal locations of *w*'s tree
  (``stock.location.warehouse_id = w``). Quality hold buckets lie outside
  every warehouse's tree, so held stock never counts; nor does stock in
  transit or outside any warehouse.
* **safety stock**: the sum of ``product_min_qty`` of *p*'s active reordering
  rules (``stock.warehouse.orderpoint``) in *w*: the quantity the planner
  keeps back, so it is never promised.
* **incoming**: open moves (``waiting``, ``confirmed``, ``partially_available``,
  ``assigned``) that enter *w*'s tree from outside it (purchase receipts,
  manufacturing orders' finished products, transfers from other warehouses),
  on their scheduled day (``stock.move.date``).
* **demand**: open moves that leave *w*'s tree (deliveries, manufacturing
  orders' components, transfers to other warehouses, hold moves not yet
  done), on their scheduled day, whether reserved or not: a reservation only
  says which quant will go, the quant still counts on hand until the move is
  done. Moves inside *w* change nothing.

Moves scheduled before ``date_from`` count on ``date_from`` (late); moves
after the horizon do not count. Modules may leave out more moves
(``product.product._atp_excluded_moves``: e.g. receipts that land in a
quality hold bucket, whose stock is not promisable before its release).

* **projected(d)** = on hand − safety + incoming(≤ d) − demand(≤ d)
* **ATP(d)** = min(projected(d') for d ≤ d' ≤ horizon end): what can be
  promised for day *d* without breaking a later commitment, as SAP's
  cumulative ATP and Odoo's forecasted report do. ``atp`` (the quantity
  promisable now) is ATP(date_from). A negative ATP means committed demand
  exceeds supply: an oversell risk.

The same rules as Odoo's ``virtual_available`` for the moves (its
``_get_domain_locations``), minus safety stock and held stock, plus dates.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

OPEN_STATES = ("waiting", "confirmed", "partially_available", "assigned")

# One statement for any number of products and warehouses. The moves of the
# horizon, grouped per product, warehouse and day; on hand and safety stock per
# product and warehouse. Indexes used: stock_quant(product_id),
# stock_move(product_id, ...), stock_warehouse_orderpoint(product_id).
ATP_QUERY = """
WITH onhand AS (
    SELECT q.product_id, l.warehouse_id, SUM(q.quantity) AS qty
      FROM stock_quant q
      JOIN stock_location l ON l.id = q.location_id
     WHERE q.product_id = ANY(%(product_ids)s)
       AND l.warehouse_id = ANY(%(warehouse_ids)s)
       AND l.usage = 'internal'
  GROUP BY q.product_id, l.warehouse_id
), safety AS (
    SELECT op.product_id, op.warehouse_id, SUM(op.product_min_qty) AS qty
      FROM stock_warehouse_orderpoint op
     WHERE op.product_id = ANY(%(product_ids)s)
       AND op.warehouse_id = ANY(%(warehouse_ids)s)
       AND op.active
  GROUP BY op.product_id, op.warehouse_id
), moves AS (
    SELECT m.product_id, m.product_qty, GREATEST(m.date::date, %(date_from)s) AS day,
           sl.warehouse_id AS from_wh, dl.warehouse_id AS to_wh
      FROM stock_move m
      JOIN stock_location sl ON sl.id = m.location_id
      JOIN stock_location dl ON dl.id = m.location_dest_id
     WHERE m.product_id = ANY(%(product_ids)s)
       AND m.state IN %(open_states)s
       AND m.date < %(date_end)s
       AND (sl.warehouse_id = ANY(%(warehouse_ids)s) OR dl.warehouse_id = ANY(%(warehouse_ids)s))
       AND sl.warehouse_id IS DISTINCT FROM dl.warehouse_id
       /* excluded moves */
), flows AS (
    SELECT product_id, to_wh AS warehouse_id, day, product_qty AS incoming, 0.0 AS demand
      FROM moves WHERE to_wh = ANY(%(warehouse_ids)s)
    UNION ALL
    SELECT product_id, from_wh, day, 0.0, product_qty
      FROM moves WHERE from_wh = ANY(%(warehouse_ids)s)
)
SELECT 'b' AS kind, COALESCE(o.product_id, s.product_id), COALESCE(o.warehouse_id, s.warehouse_id),
       NULL::date, COALESCE(o.qty, 0.0), COALESCE(s.qty, 0.0)
  FROM onhand o FULL JOIN safety s ON s.product_id = o.product_id AND s.warehouse_id = o.warehouse_id
UNION ALL
SELECT 'f', product_id, warehouse_id, day, SUM(incoming), SUM(demand)
  FROM flows GROUP BY product_id, warehouse_id, day
"""


@dataclass
class AtpDay:
    """One day of the timeline on which something moves (or the first day)."""

    day: datetime.date
    incoming: float
    demand: float
    projected: float
    atp: float


@dataclass
class Atp:
    """ATP of one product in one warehouse over a horizon (see the module docstring)."""

    product_id: int
    warehouse_id: int
    on_hand: float = 0.0
    safety: float = 0.0
    incoming: float = 0.0
    demand: float = 0.0
    days: list = field(default_factory=list)  # AtpDay, by day, first day always present

    @property
    def atp(self):
        """What can be promised on the first day: the least projected quantity of the horizon."""
        return self.days[0].atp

    @property
    def projected_end(self):
        return self.days[-1].projected

    def atp_on(self, day):
        """ATP for ``day`` (a date in the horizon): that of the last moving day not after it."""
        value = self.days[0].atp
        for row in self.days:
            if row.day > day:
                break
            value = row.atp
        return value

    def as_dict(self):
        return {
            "product_id": self.product_id,
            "warehouse_id": self.warehouse_id,
            "on_hand": self.on_hand,
            "safety_stock": self.safety,
            "incoming": self.incoming,
            "demand": self.demand,
            "atp": self.atp,
            "timeline": [
                {
                    "date": row.day.isoformat(),
                    "incoming": row.incoming,
                    "demand": row.demand,
                    "projected": row.projected,
                    "atp": row.atp,
                }
                for row in self.days
            ],
        }


def compute_atp(cr, product_ids, warehouse_ids, date_from, horizon_days, excluded_moves=()):
    """ATP of every product in every warehouse: ``{(product_id, warehouse_id): Atp}``.

    Plain SQL over ``stock_quant``, ``stock_move``, ``stock_location`` and
    ``stock_warehouse_orderpoint``: no record rules, so the caller checks
    that the user may read the warehouses. Every pair asked for is in the
    result, zero if nothing is there.

    :param cr: a database cursor; pending ORM writes must be flushed.
    :param product_ids: list of ``product.product`` ids.
    :param warehouse_ids: list of ``stock.warehouse`` ids.
    :param datetime.date date_from: the first day (UTC).
    :param int horizon_days: number of days after ``date_from`` that count (≥ 0).
    :param excluded_moves: SQL conditions (text written by modules, never user
        input, without parameters) over the aliases ``m`` (``stock_move``),
        ``sl`` and ``dl`` (its source and destination ``stock_location``): an
        open move meeting any of them counts neither as incoming nor as demand.
    """
    product_ids, warehouse_ids = list(product_ids), list(warehouse_ids)
    date_end = date_from + datetime.timedelta(days=horizon_days + 1)
    query = ATP_QUERY
    if excluded_moves:
        query = query.replace(
            "/* excluded moves */",
            "AND NOT (" + " OR ".join(f"({condition})" for condition in excluded_moves) + ")",
        )
    cr.execute(
        query,
        {
            "product_ids": product_ids,
            "warehouse_ids": warehouse_ids,
            "date_from": date_from,
            "date_end": date_end,
            "open_states": OPEN_STATES,
        },
    )
    base = {}
    flows = defaultdict(list)
    for kind, product_id, warehouse_id, day, first, second in cr.fetchall():
        if kind == "b":
            base[product_id, warehouse_id] = (first, second)
        else:
            flows[product_id, warehouse_id].append((day, first, second))
    result = {}
    for product_id in product_ids:
        for warehouse_id in warehouse_ids:
            key = (product_id, warehouse_id)
            on_hand, safety = base.get(key, (0.0, 0.0))
            result[key] = _timeline(
                Atp(product_id, warehouse_id, on_hand, safety),
                sorted(flows.get(key, ())),
                date_from,
            )
    return result


def _timeline(atp, flows, date_from):
    """Fill ``atp.days``: projected quantities forward, then ATP as a running minimum backward."""
    projected = atp.on_hand - atp.safety
    days = []
    if not flows or flows[0][0] > date_from:
        days.append(AtpDay(date_from, 0.0, 0.0, projected, 0.0))
    for day, incoming, demand in flows:
        projected += incoming - demand
        atp.incoming += incoming
        atp.demand += demand
        days.append(AtpDay(day, incoming, demand, projected, 0.0))
    lowest = None
    for row in reversed(days):
        lowest = row.projected if lowest is None else min(lowest, row.projected)
        row.atp = lowest
    atp.days = days
    return atp
