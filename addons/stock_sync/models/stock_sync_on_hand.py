from odoo import api, fields, models
from odoo.tools import SQL

from .stock_move_line import STOCK_USAGES
from .stock_sync_event import MOVEMENT_TYPE


def effects(event):
    """What a movement event moved: ``[((product id, location id), quantity)]``,
    in the product's unit, positive into a location, negative out of it. A
    correction moves its line's new state and undoes its previous one.

    :param dict event: the event's ``product_id``, ``location_id``,
        ``location_dest_id``, ``quantity`` (``data.quantity``) and
        ``previous`` (``data.correction.previous``, or None).
    """
    product, quantity = event["product_id"], event["quantity"] or 0.0
    moved = [
        ((product, event["location_id"]), -quantity),
        ((product, event["location_dest_id"]), quantity),
    ]
    previous = event["previous"]
    if previous:
        moved += [
            ((product, previous["location_from"]["id"]), previous["quantity"]),
            ((product, previous["location_to"]["id"]), -previous["quantity"]),
        ]
    return moved


class StockSyncOnHand(models.Model):
    """The on-hand figures of movement events, given in commit order.

    A movement event carries, for each of its locations that holds stock, the
    product's on-hand there once the event is applied (``data.location_from
    .on_hand``, ``data.location_to.on_hand``). The stock transaction cannot
    know it: it does not see a concurrent validation of the same product that
    commits before it (two receipts of 10, committed one after the other, both
    said 605 where the second left 615). The dispatcher gives the figures as
    it numbers the events, in its own snapshot, where the quants and the
    events committed with them agree: on hand after an event = the quants
    now, less what the events committed after it moved.

    When a numbering step leaves events listed (a backlog), the figure each
    pair reached is kept here, so that the next step goes on from it instead
    of reading the rest of the list again. A step that numbers every listed
    event reads the quants afresh and empties the table. Only the numbering
    (one transaction at a time) reads or writes it.
    """

    _name = "stock.sync.on.hand"
    _description = "Inventory Event On-Hand Figures"
    _log_access = False

    # Plain integers: rows live for the length of a backlog, and a check of
    # each reference would be one more statement per row.
    product_id = fields.Integer(required=True)
    location_id = fields.Integer(required=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True)

    _sql_constraints = [
        ("pair_unique", "unique(product_id, location_id)", "One figure per product and location."),
    ]

    @api.model
    def _figures_of(self, events, complete, last_id):
        """The on-hand figures of the movement events among ``events``.

        :param events: the events a numbering step takes, in the order it numbers
            them: dicts with ``id``, ``type`` and the keys :func:`effects` reads.
        :param bool complete: whether the step took every event listed in its
            snapshot; else the events listed after ``last_id`` (an event id)
            are numbered later, and what they moved is in the quants already.
        :returns: ``{event id: (on hand at location_id, on hand at location_dest_id)}``,
            in the product's unit; None for a location that holds no stock
            (a virtual one: supplier, customer, production...), 0 for a
            product whose inventory Odoo does not track (it has no quants).
        """
        movements = [
            event for event in events if event["type"] == MOVEMENT_TYPE and event["product_id"]
        ]
        # Every pair the step moves, a correction's previous locations included:
        # a figure kept for a backlog's next step must follow them too.
        pairs = {pair for event in movements for pair, _quantity in effects(event) if pair[1]}
        if not pairs:
            if complete:
                self._clear()
            return {}
        products, locations = zip(*pairs, strict=True)
        # The pairs that hold stock, with their quants in this snapshot; a full
        # step also clears what a backlog kept.
        self.env.cr.execute(
            SQL(
                """
                WITH cleared AS (DELETE FROM stock_sync_on_hand WHERE %(complete)s)
                SELECT p.product_id, p.location_id, t.is_storable,
                       (SELECT COALESCE(SUM(q.quantity), 0) FROM stock_quant q
                         WHERE q.product_id = p.product_id AND q.location_id = p.location_id)
                  FROM unnest(%(products)s::int[], %(locations)s::int[])
                       AS p(product_id, location_id)
                  JOIN stock_location l ON l.id = p.location_id AND l.usage = ANY(%(usages)s)
                  JOIN product_product pp ON pp.id = p.product_id
                  JOIN product_template t ON t.id = pp.product_tmpl_id
                """,
                complete=complete,
                products=list(products),
                locations=list(locations),
                usages=list(STOCK_USAGES),
            )
        )
        rows = self.env.cr.fetchall()
        untracked = {
            (product, location) for product, location, storable, _qty in rows if not storable
        }
        quants = {
            (product, location): quantity
            for product, location, storable, quantity in rows
            if storable
        }
        running = self._kept(quants) if quants and not complete else {}
        fresh = quants.keys() - running.keys()
        if fresh:
            # On hand before the step: the quants, less what the step's events,
            # in a backlog those listed after it, and what is not announced
            # yet moved.
            moved = self._moved(movements, fresh)
            later = [self._unannounced(fresh)]
            if not complete:
                later.append(self._moved_after(last_id, fresh))
            for more in later:
                for pair, quantity in more.items():
                    moved[pair] = moved.get(pair, 0.0) + quantity
            running.update({pair: quants[pair] - moved.get(pair, 0.0) for pair in fresh})
        # Sums of quantities rounded to this precision: rounding drops the
        # binary noise of the float additions only.
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        figures = {}
        # effects() unrolled: this loop runs for every event the dispatcher numbers.
        for event in movements:
            product, quantity = event["product_id"], event["quantity"] or 0.0
            source = (product, event["location_id"])
            destination = (product, event["location_dest_id"])
            if source in running:
                running[source] -= quantity
            if destination in running:
                running[destination] += quantity
            if event["previous"]:
                for pair, moved in effects(event)[2:]:
                    if pair in running:
                        running[pair] += moved
            figures[event["id"]] = (
                round(running[source], digits)
                if source in running
                else (0.0 if source in untracked else None),
                round(running[destination], digits)
                if destination in running
                else (0.0 if destination in untracked else None),
            )
        if not complete and running:
            self._keep(running)
        return figures

    def _clear(self):
        self.env.cr.execute("DELETE FROM stock_sync_on_hand")

    @api.model
    def _unannounced(self, pairs):
        """``{pair: quantity}``: stock moved into (or, negative, out of) ``pairs``
        by committed transactions whose events are written later, by another
        transaction. The figures must not count it before its event.

        The hook for a module that announces stock moves after they are done
        (``mrp_barcode_consumption_sync``'s scan windows); none here.
        """
        return {}

    @staticmethod
    def _moved(events, pairs):
        """``{pair: quantity}``: what ``events`` moved into (or, negative, out of) ``pairs``."""
        moved = {}
        for event in events:
            for pair, quantity in effects(event):
                if pair in pairs:
                    moved[pair] = moved.get(pair, 0.0) + quantity
        return moved

    def _kept(self, quants):
        """``{pair: quantity}`` kept by the last step of a backlog, for the pairs of ``quants``."""
        products, locations = zip(*quants, strict=True)
        self.env.cr.execute(
            """
            SELECT h.product_id, h.location_id, h.quantity
              FROM unnest(%s::int[], %s::int[]) AS p(product_id, location_id)
              JOIN stock_sync_on_hand h
                ON h.product_id = p.product_id AND h.location_id = p.location_id
            """,
            (list(products), list(locations)),
        )
        return {
            (product, location): quantity for product, location, quantity in self.env.cr.fetchall()
        }

    def _keep(self, running):
        products, locations, quantities = zip(
            *((product, location, quantity) for (product, location), quantity in running.items()),
            strict=True,
        )
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_on_hand (product_id, location_id, quantity)
            SELECT * FROM unnest(%s::int[], %s::int[], %s::float8[])
            ON CONFLICT (product_id, location_id) DO UPDATE SET quantity = EXCLUDED.quantity
            """,
            (list(products), list(locations), list(quantities)),
        )

    def _moved_after(self, last_id, pairs):
        """``{pair: quantity}``: what the movement events still listed after
        ``last_id`` moved into (or, negative, out of) ``pairs``. Summed in SQL
        (what :func:`effects` does, row by row): read once per pair and
        backlog, later steps go on from the kept figures."""
        self.env.cr.execute(
            SQL(
                """
                SELECT m.product_id, m.location_id, SUM(m.quantity)
                  FROM stock_sync_numbering n
                 CROSS JOIN LATERAL (
                       SELECT %(columns)s
                         FROM stock_sync_event s
                        WHERE s.id = n.id AND s.sequence IS NULL AND s.type = %(type)s
                          AND s.product_id = ANY(%(products)s)
                        LIMIT 1
                       ) e
                 CROSS JOIN LATERAL (VALUES
                       (e.product_id, e.location_dest_id, e.quantity),
                       (e.product_id, e.location_id, -e.quantity),
                       (e.product_id, (e.previous #>> '{location_from,id}')::int,
                        (e.previous ->> 'quantity')::float8),
                       (e.product_id, (e.previous #>> '{location_to,id}')::int,
                        -(e.previous ->> 'quantity')::float8)
                       ) AS m(product_id, location_id, quantity)
                 WHERE n.id > %(last)s AND m.location_id IS NOT NULL
                 GROUP BY m.product_id, m.location_id
                """,
                columns=EFFECT_COLUMNS,
                type=MOVEMENT_TYPE,
                products=list({product for product, _location in pairs}),
                last=last_id,
            )
        )
        return {
            (product, location): quantity
            for product, location, quantity in self.env.cr.fetchall()
            if (product, location) in pairs
        }


# What effects() reads of an event row ``s`` (the numbering reads it with the
# rest of each event).
EFFECT_COLUMNS = SQL(
    "s.product_id, s.location_id, s.location_dest_id,"
    " (s.payload #>> '{data,quantity}')::float8 AS quantity,"
    " s.payload #> '{data,correction,previous}' AS previous"
)
