"""One INSERT statement for many rows.

The outbox's hot path runs inside every stock transaction: a plain
multi-row INSERT costs a fraction of the ORM's per-record create (no
mail.thread bookkeeping, no field-by-field conversion) and keeps capture to
"a few inserts" per move, as it must be.
"""

from psycopg2.extras import Json

from odoo.tools import SQL

CHUNK = 1000


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


def insert_rows_with_children(cr, table, rows, key, child_table, child_rows, child_types, uid):
    """Insert ``rows`` into ``table`` and ``child_rows`` into ``child_table`` in one statement.

    Each child row names its parent in ``child_rows[i]["<fk>"]`` by the value
    of the parent's unique column ``key`` (the first column of the child rows
    is that foreign key); the statement puts the parent's id there.
    ``child_types`` gives each child column's SQL type (the values of a
    VALUES list have none). Returns the parents' ids, in the order of ``rows``.
    One round trip instead of two: capture writes events and their
    deliveries in the user's transaction.
    """
    if not rows:
        return []
    if not child_rows:
        return insert_rows(cr, table, rows, uid)
    columns = list(rows[0])
    child_columns = list(child_rows[0])
    fk, values_columns = child_columns[0], child_columns[1:]
    now = SQL("(now() AT TIME ZONE 'UTC')")
    row_code = "(" + ", ".join(["%s"] * (len(columns) + 4)) + ")"
    children = {}
    for child in child_rows:
        children.setdefault(child[fk], []).append(child)
    ids = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = []
        for row in chunk:
            params.extend(Json(v) if isinstance(v, dict | list) else v for v in row.values())
            params.extend((uid, uid, now, now))
        kids = [child for row in chunk for child in children.get(row[key], ())]
        statement = SQL(
            """
            WITH parent AS (
                INSERT INTO %(table)s (%(columns)s, create_uid, write_uid, create_date, write_date)
                VALUES %(values)s
                RETURNING id, %(key)s
            ), child AS (
                INSERT INTO %(child_table)s
                       (%(fk)s, %(child_columns)s, create_uid, write_uid, create_date, write_date)
                SELECT parent.id, %(casts)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM (VALUES %(child_values)s) AS v(parent_key, %(child_columns)s)
                  JOIN parent ON parent.%(key)s = v.parent_key
            )
            SELECT id, %(key)s FROM parent
            """,
            table=SQL.identifier(table),
            columns=SQL(", ").join(SQL.identifier(column) for column in columns),
            values=SQL(", ".join([row_code] * len(chunk)), *params),
            key=SQL.identifier(key),
            child_table=SQL.identifier(child_table),
            fk=SQL.identifier(fk),
            child_columns=SQL(", ").join(SQL.identifier(column) for column in values_columns),
            casts=SQL(", ").join(
                SQL("v.%s::%s", SQL.identifier(column), SQL(child_types[column]))
                for column in values_columns
            ),
            uid=uid,
            now=now,
            child_values=SQL(", ").join(
                SQL(
                    "(" + ", ".join(["%s"] * len(child_columns)) + ")",
                    *(Json(v) if isinstance(v, dict | list) else v for v in child.values()),
                )
                for child in kids
            )
            if kids
            else SQL("(NULL%s)", SQL("").join(SQL(", NULL") for _ in values_columns)),
        )
        cr.execute(statement)
        ids.update((parent_key, row_id) for row_id, parent_key in cr.fetchall())
    return [ids[row[key]] for row in rows]
