"""One INSERT statement for many rows.

The outbox's hot path runs inside every stock transaction: a plain
multi-row INSERT costs a fraction of the ORM's per-record create (no
mail.thread bookkeeping, no field-by-field conversion) and keeps capture to
"a few inserts" per move, as it must be.
"""

import functools

from psycopg2.extras import Json

from odoo.tools import SQL

CHUNK = 1000
NOW = "(now() AT TIME ZONE 'UTC')"


def insert_rows(cr, table, rows, uid):
    """Insert ``rows`` (dicts with the same keys) into ``table``; return their ids in order.

    dict and list values are stored as jsonb. The ORM's log columns are
    filled like a create would.
    """
    if not rows:
        return []
    columns = list(rows[0])
    head = SQL(
        "INSERT INTO %s (%s, create_uid, write_uid, create_date, write_date) VALUES ",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
    )
    row_code = "(" + ", ".join(["%s"] * (len(columns) + 2)) + ", %s, %s)"
    ids = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = []
        for row in chunk:
            params.extend(Json(v) if isinstance(v, dict | list) else v for v in row.values())
            params.extend(
                (uid, uid, SQL("(now() AT TIME ZONE 'UTC')"), SQL("(now() AT TIME ZONE 'UTC')"))
            )
        values = SQL(", ".join([row_code] * len(chunk)), *params)
        cr.execute(SQL("%s%s RETURNING id", head, values))
        ids.extend(row_id for (row_id,) in cr.fetchall())
    return ids


def insert_rows_with_children(
    cr,
    table,
    rows,
    key,
    child_table,
    child_rows,
    child_types,
    uid,
    id_table=None,
    also=None,
    types=None,
    on_hand=None,
    guard=None,
):
    """Insert ``rows`` into ``table`` and ``child_rows`` into ``child_table`` in one statement.

    Each child row names its parent in ``child_rows[i]["<fk>"]`` by the value
    of the parent's unique column ``key`` (the first column of the child rows
    is that foreign key); the statement puts the parent's id there.
    ``types`` and ``child_types`` give each column's SQL type: the values
    travel as one array per column (``unnest``), so the statement has the
    same shape, and the same small code, whatever the number of rows.
    ``id_table``: a table with only an ``id`` column that gets a row with
    each parent's id. ``also``: an ``SQL`` ``INSERT ... RETURNING id`` of one
    row, run in the same statement (with the first chunk).

    ``on_hand``: per row, ``(location id or None, location id or None)``:
    the statement writes the on-hand quantity of the row's ``product_id`` at
    those locations (``stock_quant``, as the statement sees it) into the
    row's ``payload`` at ``data.location_from.on_hand`` and
    ``data.location_to.on_hand``; ``None`` leaves that figure as given.
    ``guard``: ``(SQL expression, expected value)``: the child rows are
    inserted only if the expression, evaluated by the statement, equals the
    expected value (the caller planned them with that value); its value is
    returned either way.

    Returns the parents' ids in the order of ``rows``, the id ``also``
    returned (None without it) and the guard's value (None without it).
    One round trip instead of several: capture writes events (with their
    on-hand figures), their deliveries, their place in the numbering queue
    and the dispatch cron's trigger in the user's transaction.
    """
    if not rows:
        return [], None, None
    columns = list(rows[0])
    types = types or {}
    child_columns = list(child_rows[0]) if child_rows else []
    children = {}
    for child in child_rows:
        children.setdefault(child[child_columns[0]], []).append(child)
    ids, also_id, guard_value = {}, None, None
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        arrays = _arrays(chunk, columns)
        source = SQL("unnest(%s)", _typed_arrays(arrays, [types[c] for c in columns]))
        names = list(columns)
        if on_hand is not None:
            spots = on_hand[start : start + CHUNK]
            source = SQL(
                "unnest(%s, %s::int4[], %s::int4[])",
                _typed_arrays(arrays, [types[c] for c in columns]),
                [spot[0] for spot in spots],
                [spot[1] for spot in spots],
            )
            names += ["_on_hand_from", "_on_hand_to"]
        selected, joins = _selected(tuple(columns), on_hand is not None)
        steps = [
            SQL(
                """parent AS (
                INSERT INTO %(table)s (%(columns)s, create_uid, write_uid, create_date, write_date)
                SELECT %(selected)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM %(source)s WITH ORDINALITY AS v(%(names)s, _ord)%(joins)s
                 ORDER BY v._ord
                RETURNING id, %(key)s
            )""",
                table=SQL.identifier(table),
                columns=_column_list(tuple(columns)),
                selected=selected,
                uid=uid,
                now=SQL(NOW),
                source=source,
                names=_column_list(tuple(names)),
                joins=joins,
                key=SQL.identifier(key),
            )
        ]
        if guard is not None:
            steps.append(SQL("guard AS (SELECT %s AS value)", guard[0]))
        if id_table:
            steps.append(
                SQL(
                    "listed AS (INSERT INTO %s (id) SELECT id FROM parent)",
                    SQL.identifier(id_table),
                )
            )
        kids = [child for row in chunk for child in children.get(row[key], ())]
        if kids:
            steps.append(
                _children_step(
                    child_table, child_columns, child_types, types[key], kids, key, uid, guard
                )
            )
        extra = SQL("(SELECT value FROM guard)") if guard is not None else SQL("NULL")
        if also is not None and start == 0:
            steps.append(SQL("also AS (%s)", also))
            returned = SQL(
                "SELECT id, %s, (SELECT id FROM also), %s FROM parent", SQL.identifier(key), extra
            )
        else:
            returned = SQL("SELECT id, %s, NULL, %s FROM parent", SQL.identifier(key), extra)
        cr.execute(SQL("WITH %s %s", SQL(", ").join(steps), returned))
        for row_id, parent_key, extra_id, value in cr.fetchall():
            ids[parent_key] = row_id
            also_id = also_id or extra_id
            guard_value = value
    return [ids[row[key]] for row in rows], also_id, guard_value


def _arrays(rows, columns):
    """One list of parameters per column: dict and list values as jsonb."""
    return [_adapt(row[column] for row in rows) for column in columns]


def _typed_arrays(arrays, column_types):
    """``%s::int4[], %s::VARCHAR[], ...``: each column's values as one array parameter."""
    return SQL(", ").join(
        SQL("%s::%s[]", values, SQL(column_type))
        for values, column_type in zip(arrays, column_types, strict=True)
    )


# Where the on-hand figures go in a movement event's payload (see ``on_hand``):
# (location column of the arrays, block of ``data``, alias of the sum).
_ON_HAND_SPOTS = (
    ("_on_hand_from", "location_from", "_sum_from"),
    ("_on_hand_to", "location_to", "_sum_to"),
)


@functools.lru_cache(maxsize=64)
def _selected(columns, with_on_hand):
    """The parent's select list (``v.<column>``; the payload with its on-hand
    figures) and what its ``FROM`` adds (one sum per on-hand spot)."""
    exprs, joins = [], []
    for column in columns:
        expr = SQL("v.%s", SQL.identifier(column))
        if with_on_hand and column == "payload":
            for spot, block, total in _ON_HAND_SPOTS:
                expr = SQL(
                    "CASE WHEN v.%(spot)s IS NULL THEN %(expr)s"
                    " ELSE jsonb_set(%(expr)s, %(path)s, to_jsonb(COALESCE(%(total)s.qty, 0.0))) END",
                    spot=SQL.identifier(spot),
                    expr=expr,
                    path=SQL(f"'{{data,{block},on_hand}}'"),
                    total=SQL.identifier(total),
                )
                # The same sum as stock.move.line._stock_sync_on_hand (0.0 without
                # quants); an aggregate: one row, whatever the quants.
                joins.append(
                    SQL(
                        " CROSS JOIN LATERAL (SELECT SUM(q.quantity) FROM stock_quant q"
                        " WHERE q.product_id = v.product_id AND q.location_id = v.%s) AS %s(qty)",
                        SQL.identifier(spot),
                        SQL.identifier(total),
                    )
                )
        exprs.append(expr)
    return SQL(", ").join(exprs), SQL("").join(joins)


def _children_step(child_table, child_columns, child_types, key_type, kids, key, uid, guard):
    """The CTE step inserting ``kids``, their foreign key resolved through ``parent``."""
    fk, values_columns = child_columns[0], child_columns[1:]
    arrays = _arrays(kids, child_columns)
    condition = (
        SQL("WHERE (SELECT value FROM guard) = %s", guard[1]) if guard is not None else SQL()
    )
    return SQL(
        """child AS (
            INSERT INTO %(child_table)s
                   (%(fk)s, %(child_columns)s, create_uid, write_uid, create_date, write_date)
            SELECT parent.id, %(values)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(arrays)s) WITH ORDINALITY AS v(_parent_key, %(child_columns)s, _ord)
              JOIN parent ON parent.%(key)s = v._parent_key
             %(condition)s
             ORDER BY v._ord
        )""",
        key=SQL.identifier(key),
        child_table=SQL.identifier(child_table),
        fk=SQL.identifier(fk),
        child_columns=_column_list(tuple(values_columns)),
        values=_prefixed(tuple(values_columns)),
        uid=uid,
        now=SQL(NOW),
        arrays=_typed_arrays(arrays, [key_type] + [child_types[c] for c in values_columns]),
        condition=condition,
    )


@functools.lru_cache(maxsize=64)
def _prefixed(columns):
    """``v."a", v."b"``: the same few column lists come back on every capture."""
    return SQL(", ").join(SQL("v.%s", SQL.identifier(column)) for column in columns)


@functools.lru_cache(maxsize=64)
def _column_list(columns):
    """``"a", "b"``: the same few column lists come back on every capture."""
    return SQL(", ").join(SQL.identifier(column) for column in columns)


def _adapt(values):
    """Parameters of a row: dict and list values as jsonb."""
    return [Json(v) if isinstance(v, dict | list) else v for v in values]
