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


def insert_rows_listed(cr, table, rows, key, uid, id_table=None, also=None):
    """Insert ``rows`` into ``table``, list them in ``id_table``, all in one statement.

    ``key``: a unique column of the rows, by which the returned ids are put
    in the order of ``rows``. ``id_table``: a table with only an ``id``
    column that gets a row with each new id. ``also``: an ``SQL`` ``INSERT
    ... RETURNING id`` of one row, run in the same statement (with the first
    chunk). Returns the ids in the order of ``rows``, and the id ``also``
    returned (None without it).
    One round trip: capture writes its events, their place in the numbering
    queue and the dispatch cron's trigger in the user's transaction.
    """
    if not rows:
        return [], None
    columns = list(rows[0])
    # Flat code and parameters, the log dates written in the code: capture
    # builds this statement in the user's transaction, where a hundred small
    # SQL objects per receipt were a measurable part of its Python time.
    row_code = "(" + ", ".join(["%s"] * (len(columns) + 2)) + f", {NOW}, {NOW})"
    ids, also_id = {}, None
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = []
        for row in chunk:
            params.extend(_adapt(row.values()))
            params.extend((uid, uid))
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


@functools.lru_cache(maxsize=64)
def _column_list(columns):
    """``"a", "b"``: the same few column lists come back on every capture."""
    return SQL(", ").join(SQL.identifier(column) for column in columns)


def _adapt(values):
    """Parameters of a row: dict and list values as jsonb."""
    return [Json(v) if isinstance(v, dict | list) else v for v in values]
