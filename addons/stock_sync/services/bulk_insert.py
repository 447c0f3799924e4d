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
    cr, table, rows, key, child_table, child_rows, child_types, uid, id_table=None, also=None
):
    """Insert ``rows`` into ``table`` and ``child_rows`` into ``child_table`` in one statement.

    Each child row names its parent in ``child_rows[i]["<fk>"]`` by the value
    of the parent's unique column ``key`` (the first column of the child rows
    is that foreign key); the statement puts the parent's id there.
    ``child_types`` gives each child column's SQL type (the values of a
    VALUES list have none). ``id_table``: a table with only an ``id`` column
    that gets a row with each parent's id. ``also``: an ``SQL`` ``INSERT ...
    RETURNING id`` of one row, run in the same statement (with the first
    chunk). Returns the parents' ids in the order of ``rows``, and the id
    ``also`` returned (None without it).
    One round trip instead of several: capture writes events, their
    deliveries, their place in the numbering queue and the dispatch cron's
    trigger in the user's transaction.
    """
    if not rows:
        return [], None
    columns = list(rows[0])
    child_columns = list(child_rows[0]) if child_rows else []
    # Flat code and parameters, the log dates written in the code: capture
    # builds this statement in the user's transaction, where a hundred small
    # SQL objects per receipt were a measurable part of its Python time.
    row_code = "(" + ", ".join(["%s"] * (len(columns) + 2)) + f", {NOW}, {NOW})"
    children = {}
    for child in child_rows:
        children.setdefault(child[child_columns[0]], []).append(child)
    ids, also_id = {}, None
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = []
        for row in chunk:
            params.extend(_adapt(row.values()))
            params.extend((uid, uid))
        kids = [child for row in chunk for child in children.get(row[key], ())]
        steps = [
            SQL(
                """parent AS (
                INSERT INTO %(table)s (%(columns)s, create_uid, write_uid, create_date, write_date)
                VALUES %(values)s
                RETURNING id, %(key)s
            )""",
                table=SQL.identifier(table),
                columns=_column_list(tuple(columns)),
                values=SQL(", ".join([row_code] * len(chunk)), *params),
                key=SQL.identifier(key),
            )
        ]
        if id_table:
            steps.append(
                SQL(
                    "listed AS (INSERT INTO %s (id) SELECT id FROM parent)",
                    SQL.identifier(id_table),
                )
            )
        if kids:
            steps.append(_children_step(child_table, child_columns, child_types, kids, key, uid))
        if also is not None and start == 0:
            steps.append(SQL("also AS (%s)", also))
            returned = SQL("SELECT id, %s, (SELECT id FROM also) FROM parent", SQL.identifier(key))
        else:
            returned = SQL("SELECT id, %s, NULL FROM parent", SQL.identifier(key))
        cr.execute(SQL("WITH %s %s", SQL(", ").join(steps), returned))
        for row_id, parent_key, extra_id in cr.fetchall():
            ids[parent_key] = row_id
            also_id = also_id or extra_id
    return [ids[row[key]] for row in rows], also_id


def _children_step(child_table, child_columns, child_types, kids, key, uid):
    """The CTE step inserting ``kids``, their foreign key resolved through ``parent``."""
    fk, values_columns = child_columns[0], child_columns[1:]
    row_code = "(" + ", ".join(["%s"] * len(child_columns)) + ")"
    params = []
    for child in kids:
        params.extend(_adapt(child.values()))
    return SQL(
        """child AS (
            INSERT INTO %(child_table)s
                   (%(fk)s, %(child_columns)s, create_uid, write_uid, create_date, write_date)
            SELECT parent.id, %(casts)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM (VALUES %(child_values)s) AS v(parent_key, %(child_columns)s)
              JOIN parent ON parent.%(key)s = v.parent_key
        )""",
        key=SQL.identifier(key),
        child_table=SQL.identifier(child_table),
        fk=SQL.identifier(fk),
        child_columns=_column_list(tuple(values_columns)),
        casts=_casts(tuple((column, child_types[column]) for column in values_columns)),
        uid=uid,
        now=SQL(NOW),
        child_values=SQL(", ".join([row_code] * len(kids)), *params),
    )


@functools.lru_cache(maxsize=64)
def _column_list(columns):
    """``"a", "b"``: the same few column lists come back on every capture."""
    return SQL(", ").join(SQL.identifier(column) for column in columns)


@functools.lru_cache(maxsize=64)
def _casts(typed_columns):
    """``v."a"::int4, v."b"::VARCHAR`` for ``((column, SQL type), ...)``."""
    return SQL(", ").join(
        SQL("v.%s::%s", SQL.identifier(column), SQL(column_type))
        for column, column_type in typed_columns
    )


def _adapt(values):
    """Parameters of a row: dict and list values as jsonb."""
    return [Json(v) if isinstance(v, dict | list) else v for v in values]
