"""Change data capture of the outbox, proven without Kafka.

Debezium's PostgreSQL connector reads ``stock_sync_event`` through logical
decoding with the ``pgoutput`` plugin, and its outbox event router
(``io.debezium.transforms.outbox.EventRouter``) turns each inserted row into
one Kafka record. This test reads the same stream Debezium reads: a
replication connection, a temporary ``pgoutput`` slot and the publication the
README documents, and decodes pgoutput's messages (protocol version 1) itself.

It commits real transactions, so it is no TransactionCase (like
test_dispatch_concurrency.py), and cleans up what it commits. It needs a
server started with ``wal_level=logical``: bin/test's throwaway cluster is.
"""

import json
import os
import select
import struct
import threading
import time
from datetime import UTC, datetime

import psycopg2
from committed_case import CommittedCase
from psycopg2.extras import LogicalReplicationConnection

from odoo import sql_db
from odoo.tests import get_db_name, tagged

MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
# The columns the outbox event router reads, and the PostgreSQL type each must have.
ROUTER_COLUMNS = {
    "event_uuid": "varchar",  # table.field.event.id: the record's "id" header
    "aggregatetype": "varchar",  # route.by.field: the topic
    "partition_key": "varchar",  # table.field.event.key: the Kafka key
    "type": "varchar",  # table.field.event.type
    # table.field.event.payload with table.expand.json.payload: JSON text
    "payload": "jsonb",
    # table.field.event.timestamp: the router takes Debezium's MicroTimestamp
    # (timestamp without time zone); a timestamptz would reach it as a string
    "timestamp": "timestamp",
}
TYPE_NAMES = {
    1043: "varchar",
    25: "text",
    3802: "jsonb",
    114: "json",
    1114: "timestamp",
    1184: "timestamptz",
}
TIMEOUT = 60  # seconds: every wait of the test is bounded by it
# The publication a Debezium deployment is told to use (see the README).
PUBLICATION_OPTIONS = "WITH (publish = 'insert')"


class PgOutput:
    """Decode the messages of PostgreSQL's ``pgoutput`` plugin, protocol version 1.

    https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
    Each message becomes a ``(kind, dict)`` tuple; Relation messages are kept
    so that row messages come back with their table's name and column names.
    """

    UNCHANGED_TOAST = object()

    def __init__(self):
        self.relations = {}

    def decode(self, data):
        self._data, self._pos = bytes(data), 1
        kind = chr(self._data[0])
        if kind == "B":
            final_lsn, commit_time, xid = self._unpack("QqI")
            return "begin", {"xid": xid, "final_lsn": final_lsn, "commit_time": commit_time}
        if kind == "C":
            _flags, commit_lsn, end_lsn, commit_time = self._unpack("BQQq")
            return "commit", {"commit_lsn": commit_lsn, "end_lsn": end_lsn}
        if kind == "O":
            lsn = self._unpack("Q")[0]
            return "origin", {"lsn": lsn, "name": self._string()}
        if kind == "R":
            relid = self._unpack("I")[0]
            namespace, name = self._string(), self._string()
            replica_identity, ncols = self._unpack("BH")
            columns = []
            for _ in range(ncols):
                _flags = self._unpack("B")[0]
                column = self._string()
                type_oid, _typmod = self._unpack("Ii")
                columns.append((column, type_oid))
            relation = {"namespace": namespace, "name": name, "columns": columns}
            self.relations[relid] = relation
            return "relation", dict(relation, replica_identity=chr(replica_identity))
        if kind == "Y":
            oid = self._unpack("I")[0]
            return "type", {"oid": oid, "namespace": self._string(), "name": self._string()}
        if kind in "IUD":
            relation = self.relations[self._unpack("I")[0]]
            old = new = None
            marker = chr(self._unpack("B")[0])
            if marker in "KO":  # old key or old row (updates and deletes)
                old = self._tuple(relation)
                if kind == "U":
                    marker = chr(self._unpack("B")[0])
            if marker == "N":
                new = self._tuple(relation)
            op = {"I": "insert", "U": "update", "D": "delete"}[kind]
            return op, {
                "table": f"{relation['namespace']}.{relation['name']}",
                "old": old,
                "new": new,
            }
        if kind == "T":
            nrels, _options = self._unpack("IB")
            relids = self._unpack("I" * nrels)
            return "truncate", {"tables": [self.relations[r]["name"] for r in relids]}
        raise AssertionError(f"pgoutput message {kind!r} is not part of protocol version 1")

    def _unpack(self, fmt):
        values = struct.unpack_from("!" + fmt, self._data, self._pos)
        self._pos += struct.calcsize("!" + fmt)
        return values

    def _string(self):
        end = self._data.index(b"\0", self._pos)
        value = self._data[self._pos : end].decode()
        self._pos = end + 1
        return value

    def _tuple(self, relation):
        ncols = self._unpack("H")[0]
        values = {}
        for (column, _type_oid), _ in zip(relation["columns"], range(ncols), strict=False):
            kind = chr(self._unpack("B")[0])
            if kind == "n":
                values[column] = None
            elif kind == "u":
                values[column] = self.UNCHANGED_TOAST
            else:  # "t": text, as the type's output function writes it
                length = self._unpack("I")[0]
                values[column] = self._data[self._pos : self._pos + length].decode()
                self._pos += length
        return values


@tagged("post_install", "-at_install")
class TestCdcOutbox(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.env_cr() as env:
            env.cr.execute("SHOW wal_level")
            wal_level = env.cr.fetchone()[0]
        if wal_level != "logical":
            self.fail(
                f"PostgreSQL runs with wal_level={wal_level!r}, and change data capture needs "
                "wal_level=logical. Run the suite with bin/test, whose throwaway cluster starts "
                "with -c wal_level=logical (bin/lib/pg.sh); a server named by PGHOST needs "
                "wal_level = logical in its postgresql.conf and a restart."
            )
        suffix = f"{os.getpid()}_{int(time.time() * 1000)}"
        self.publication = f"stock_sync_cdc_test_{suffix}"
        self.slot = f"stock_sync_cdc_test_{suffix}"
        with self.env_cr() as env:
            self.company_id = env.ref("base.main_company").id
            products = env["product.product"].create(
                [{"name": f"CDC {name}", "is_storable": True} for name in ("P", "R", "Q")]
            )
            self.product_ids = products.ids
            env.cr.execute(
                "SELECT aggregatetype FROM stock_sync_event_type WHERE code = %s", (MOVEMENT_TYPE,)
            )
            self.aggregatetype = env.cr.fetchone()[0]
        self.addCleanup(self._cleanup_data)
        with self.env_cr() as env:
            env.cr.execute(
                f'CREATE PUBLICATION "{self.publication}" FOR TABLE stock_sync_event {PUBLICATION_OPTIONS}'
            )
        self.addCleanup(self._drop_publication)

    # ------------------------------------------------------------------
    # Set-up and clean-up
    # ------------------------------------------------------------------
    def _drop_publication(self):
        with self.env_cr() as env:
            env.cr.execute(f'DROP PUBLICATION IF EXISTS "{self.publication}"')

    def _cleanup_data(self):
        self.delete_stock_of(self.product_ids, self.company_id)

    def _replication_cursor(self):
        """A replication connection holding a temporary pgoutput slot (gone when it closes)."""
        _dbname, params = sql_db.connection_info_for(get_db_name())
        try:
            conn = psycopg2.connect(
                connection_factory=LogicalReplicationConnection, connect_timeout=10, **params
            )
        except psycopg2.OperationalError as error:
            self.fail(
                f"No replication connection to {get_db_name()}: {error}. The role needs the "
                "REPLICATION attribute (or superuser), and pg_hba.conf a 'replication' line for "
                "this host (initdb writes 'host replication all 127.0.0.1/32' lines)."
            )
        self.addCleanup(conn.close)  # also drops the temporary slot
        cur = conn.cursor()
        # The slot waits for every transaction already running in the cluster to end.
        watchdog = threading.Timer(TIMEOUT, conn.cancel)
        watchdog.start()
        try:
            cur.execute(
                f'CREATE_REPLICATION_SLOT "{self.slot}" TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT'
            )
        except psycopg2.extensions.QueryCanceledError:
            self.fail(
                f"Creating the replication slot waited over {TIMEOUT}s for open transactions to end."
            )
        finally:
            watchdog.cancel()
        return cur

    # ------------------------------------------------------------------
    # Stock transactions
    # ------------------------------------------------------------------
    def _receive(self, env, products, qty):
        """Receive ``products`` into WH/Stock, validated; return the outbox rows it wrote."""
        picking = self.receive(env, products, qty)
        self.assertEqual(picking.state, "done")
        env.flush_all()
        env.cr.execute(
            "SELECT event_uuid FROM stock_sync_event WHERE move_line_id = ANY(%s) ORDER BY id",
            (picking.move_line_ids.ids,),
        )
        uuids = [row[0] for row in env.cr.fetchall()]
        self.assertEqual(len(uuids), len(products), "one movement event per received product")
        return uuids

    # ------------------------------------------------------------------
    # The stream
    # ------------------------------------------------------------------
    def _read_stream(self, cur, until_uuids):
        """Decoded transactions ``[{"xid", "changes": [(op, data)]}]``, in stream order,
        up to the commit of the one that inserted ``until_uuids``."""
        cur.start_replication(
            slot_name=self.slot,
            decode=False,
            options={"proto_version": "1", "publication_names": self.publication},
        )
        decoder, transactions, current = PgOutput(), [], None
        relations = []
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = cur.read_message()
            if message is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.fail(
                        f"The stream did not bring the last commit within {TIMEOUT}s; it brought: "
                        f"{transactions}"
                    )
                select.select([cur], [], [], min(remaining, 1.0))
                continue
            kind, data = decoder.decode(message.payload)
            if kind == "begin":
                current = {"xid": data["xid"], "changes": []}
            elif kind == "commit":
                transactions.append(current)
                inserted = {
                    change["new"]["event_uuid"]
                    for op, change in current["changes"]
                    if op == "insert"
                }
                if set(until_uuids) <= inserted:
                    return transactions, relations
                current = None
            elif kind == "relation":
                relations.append(data)
            elif kind in ("insert", "update", "delete", "truncate"):
                current["changes"].append((kind, data))

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------
    def test_outbox_streams_what_the_event_router_reads_in_commit_order(self):
        cur = self._replication_cursor()
        product_p, product_r, product_q = self.product_ids

        # Opened first, so its events get the lowest ids, but committed last.
        late_cr = self.registry.cursor()
        self.addCleanup(late_cr.close)  # rolls back if the test fails before its commit
        late_env = self.environment(late_cr)
        late = self._receive(late_env, late_env["product.product"].browse(product_q), 3)

        with self.env_cr() as env:  # receipt 1 of P and R
            first = self._receive(env, env["product.product"].browse([product_p, product_r]), 5)
        with self.env_cr() as env:  # the dispatcher numbers committed events (an UPDATE)
            numbered = env["stock.sync.sequence"]._number_new_events()
        self.assertGreaterEqual(numbered, len(first), "the numbering updated the committed events")
        cr = self.registry.cursor()  # a receipt of P rolled back: never streamed
        try:
            env = self.environment(cr)
            rolled_back = self._receive(env, env["product.product"].browse(product_p), 7)
            cr.rollback()
        finally:
            cr.close()
        with self.env_cr() as env:  # receipt 2 of P and R
            second = self._receive(env, env["product.product"].browse([product_p, product_r]), 2)
        late_cr.commit()

        transactions, relations = self._read_stream(cur, late)

        # The table as the connector sees it: the router's columns, with usable types.
        outbox = [
            r for r in relations if (r["namespace"], r["name"]) == ("public", "stock_sync_event")
        ]
        self.assertTrue(outbox, "a Relation message describes public.stock_sync_event")
        column_types = {name: TYPE_NAMES.get(oid, oid) for name, oid in outbox[-1]["columns"]}
        self.assertEqual({name: column_types.get(name) for name in ROUTER_COLUMNS}, ROUTER_COLUMNS)

        # Only inserts are published (publish = 'insert'): not the numbering UPDATE above.
        ops = {op for tx in transactions for op, _change in tx["changes"]}
        self.assertEqual(ops, {"insert"}, "only inserts reach the connector")
        # Commit order, not id order: the late transaction's events come last, the
        # rolled-back one's never, and each transaction's rows in insert order.
        streamed = [
            [change["new"]["event_uuid"] for _op, change in tx["changes"]]
            for tx in transactions
            if tx["changes"]
        ]
        self.assertEqual(streamed, [first, second, late])
        self.assertFalse(set(rolled_back) & {u for tx in streamed for u in tx})
        # Per Kafka key, the order of the partition: receipt 1, then receipt 2.
        by_key = {}
        for _op, change in (c for tx in transactions for c in tx["changes"]):
            by_key.setdefault(change["new"]["partition_key"], []).append(
                change["new"]["event_uuid"]
            )
        key = f"product:{{}}@company:{self.company_id}".format
        self.assertEqual(
            by_key,
            {
                key(product_p): [first[0], second[0]],
                key(product_r): [first[1], second[1]],
                key(product_q): late,
            },
        )

        # Each row carries what the router reads, equal to the committed row and to
        # the CloudEvent it routes. The sequence is not part of the contract of the
        # insert: the dispatcher numbers events after commit.
        with self.env_cr() as env:
            env.cr.execute(
                "SELECT event_uuid, aggregatetype, partition_key, type, payload, timestamp"
                " FROM stock_sync_event WHERE event_uuid = ANY(%s)",
                (first + second + late,),
            )
            committed = {row[0]: row for row in env.cr.fetchall()}
        for _op, change in (c for tx in transactions for c in tx["changes"]):
            row = change["new"]
            uuid, aggregatetype, partition_key, event_type, payload, timestamp = committed[
                row["event_uuid"]
            ]
            with self.subTest(event=uuid):
                self.assertTrue(all(row[column] is not None for column in ROUTER_COLUMNS), row)
                cloud_event = json.loads(row["payload"])
                self.assertEqual(cloud_event["id"], uuid)
                self.assertEqual(row["aggregatetype"], aggregatetype)
                self.assertEqual(row["aggregatetype"], self.aggregatetype)
                self.assertEqual(row["partition_key"], partition_key)
                self.assertEqual(cloud_event["partitionkey"], partition_key)
                self.assertEqual(row["type"], event_type)
                self.assertEqual(cloud_event["type"], MOVEMENT_TYPE)
                # As inserted: the numbering's UPDATE, which is not streamed,
                # adds the sequence and the on-hand figures.
                self.assertIsNone(cloud_event["data"]["location_to"]["on_hand"])
                self.assertEqual(cloud_event, _as_inserted(payload))
                occurred_at = datetime.fromisoformat(row["timestamp"])
                self.assertEqual(occurred_at, timestamp)
                # Kafka's record timestamp is the CloudEvent's time.
                self.assertEqual(
                    occurred_at.replace(tzinfo=UTC),
                    datetime.fromisoformat(cloud_event["time"].replace("Z", "+00:00")),
                )


def _as_inserted(cloud_event):
    """The CloudEvent as capture inserted it: no sequence, no on-hand figures."""
    inserted = {name: value for name, value in cloud_event.items() if name != "sequence"}
    inserted["data"] = dict(
        cloud_event["data"],
        **{
            side: dict(cloud_event["data"][side], on_hand=None)
            for side in ("location_from", "location_to")
        },
    )
    return inserted
