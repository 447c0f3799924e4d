"""Shared test cases and assertions of the outbox.

* :class:`StockSyncCase`: users, a warehouse, products and one endpoint;
* :class:`OutboxDeliveryCase`: the same, delivering to a live
  :class:`~.webhook_receiver.WebhookReceiver` on the loopback;
* :class:`OutboxAssertions` (mixed into both):

  - ``capture_events()``: the events a block of code emitted, each checked
    against its JSON Schemas (like queue_job's ``trap_jobs``);
  - ``assertEventMatchesSchema(event)``: the CloudEvents envelope and the
    data of one event against their JSON Schemas;
  - ``assertOutboxMatchesStockLedger(products=None, endpoint=None)``: the
    movement events replayed give Odoo's stock ledger (its done move lines),
    per product and location, lot, package and owner; with ``endpoint``, what that
    subscriber received gives Odoo's ledger restricted to its filters.
"""

import json
from collections import defaultdict
from contextlib import contextmanager
from unittest.mock import patch

import jsonschema
import psycopg2
import requests

from odoo import Command, fields, sql_db
from odoo.tests import TransactionCase, new_test_user
from odoo.tests.common import _super_send
from odoo.tools import float_compare
from odoo.tools.misc import file_path

from ..services import transport
from .webhook_receiver import WebhookReceiver

ENVELOPE_SCHEMA_PATH = "stock_sync/schemas/cloudevent.v1.json"
# The event contract, not the model's constant: the ledger is about what receivers read.
MOVEMENT_TYPE = "odoo.stock_sync.movement.v1"
# An event type of the tests' own, for engine tests where the data does not matter.
TEST_NOTE_TYPE = "odoo.stock_sync.test_note.v1"
# Quantities equal within this when the product's unit is unknown (deleted product).
DEFAULT_ROUNDING = 1e-6

_schemas = {}


def load_schema(path):
    """A JSON Schema of a module, by its path in the addons path (read once)."""
    if path not in _schemas:
        with open(file_path(path), encoding="utf-8") as schema_file:
            _schemas[path] = json.load(schema_file)
    return _schemas[path]


class EventCapture:
    """What :meth:`OutboxAssertions.capture_events` hands out: filled when the block ends."""

    def __init__(self, env):
        self.events = env["stock.sync.event"]

    def of_type(self, event_type):
        """The captured events of one CloudEvents type, oldest first."""
        return self.events.filtered(lambda event: event.type == event_type)

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


class OutboxAssertions:
    """Assertions on the outbox, for any Odoo test case (mixed in before it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # What exists before the class: the ledger assertion looks, by
        # default, at the products moved or emitted about after this point.
        cls.env.flush_all()
        cls.env.cr.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM stock_move_line),"
            " (SELECT COALESCE(MAX(id), 0) FROM stock_sync_event)"
        )
        cls._outbox_watermark = cls.env.cr.fetchone()

    # ------------------------------------------------------------------
    # Events emitted by a block of code
    # ------------------------------------------------------------------
    def number_events(self):
        """Number the events written so far, as the dispatcher does after commit."""
        self.env.flush_all()
        numbered = self.env["stock.sync.sequence"].sudo()._number_new_events()
        self.env.invalidate_all()
        return numbered

    def _max_event_id(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM stock_sync_event")
        return self.env.cr.fetchone()[0]

    @contextmanager
    def capture_events(self, validate=True):
        """Catch the events the block writes to the outbox, oldest first.

        ::

            with self.capture_events() as captured:
                picking = self.receive([(self.product, 5)])
            self.assertEqual(captured.events.mapped("operation"), ["receipt"])

        Each event is checked with :meth:`assertEventMatchesSchema` unless
        ``validate`` is false. Events of a savepoint rolled back in the block
        are gone, so they are not caught.
        """
        before = self._max_event_id()
        capture = EventCapture(self.env)
        yield capture
        after = self._max_event_id()
        self.number_events()  # receivers only ever see numbered events
        capture.events = (
            self.env["stock.sync.event"]
            .sudo()
            .search([("id", ">", before), ("id", "<=", after)], order="id")
        )
        if validate:
            for event in capture.events:
                self.assertEventMatchesSchema(event)

    def assertEventMatchesSchema(self, event):
        """The envelope against cloudevent.v1, the data against its type's schema.

        ``event`` is a stock.sync.event or a CloudEvent as a receiver got it (a dict).
        """
        if not isinstance(event, dict) and not event.sequence:
            self.number_events()
        payload = event if isinstance(event, dict) else event._cloud_event()
        label = f"event {payload.get('id')} ({payload.get('type')})"
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        try:
            jsonschema.validate(payload, load_schema(ENVELOPE_SCHEMA_PATH), format_checker=checker)
        except jsonschema.ValidationError as error:
            self.fail(f"{label}: envelope does not match cloudevent.v1: {error.message}")
        event_type = self.env["stock.sync.event.type"].sudo().with_context(active_test=False)
        event_type = event_type.search([("code", "=", payload["type"])])
        self.assertTrue(event_type, f"{label}: no stock.sync.event.type has this code")
        self.assertTrue(event_type.schema_path, f"{label}: its event type has no schema_path")
        try:
            jsonschema.validate(
                payload["data"], load_schema(event_type.schema_path), format_checker=checker
            )
        except jsonschema.ValidationError as error:
            self.fail(
                f"{label}: data does not match {event_type.schema_path}: {error.message}"
                f" (at {'/'.join(map(str, error.absolute_path)) or 'the root'})"
            )

    # ------------------------------------------------------------------
    # The ledger invariant
    # ------------------------------------------------------------------
    def assertOutboxMatchesStockLedger(self, products=None, endpoint=None):
        """Replaying the movement events gives Odoo's stock ledger.

        Each movement event takes ``data.quantity`` (in the product's unit)
        from ``data.location_from`` and adds it to ``data.location_to``; a
        correction first undoes ``data.correction.previous``. The result must
        equal the done stock.move.line rows (``quantity_product_uom`` out of
        ``location_id``, into ``location_dest_id``): per product and location,
        per lot, per package (``package_id`` leaving, ``result_package_id``
        arriving) and per owner, over the whole history of ``products``.

        ``products`` defaults to those with a done move line or a movement
        event written since the test class was set up.

        With ``endpoint``, only the events delivered (in any state) to it are
        replayed, and the comparison keeps to what its filters cover: the
        locations under its location and warehouse filters, the products of
        its category filter, the move lines of its companies.
        """
        env = self.env(su=True, context=dict(self.env.context, active_test=False))
        env.flush_all()
        if endpoint:
            endpoint = endpoint.with_env(env)
            self.assertTrue(
                not endpoint.event_type_ids
                or MOVEMENT_TYPE in endpoint.event_type_ids.mapped("code"),
                f"endpoint {endpoint.name} does not subscribe to movements: it has no ledger",
            )
        product_ids = set(products.ids) if products is not None else self._moved_product_ids(env)
        # What the endpoint's filters cover: None means no restriction.
        locations = categories = companies = None
        if endpoint:
            if endpoint.location_ids:
                locations = set(
                    env["stock.location"]
                    .search([("id", "child_of", endpoint.location_ids.ids)])
                    .ids
                )
            if endpoint.warehouse_ids:
                in_warehouses = set(
                    env["stock.location"]
                    .search([("id", "child_of", endpoint.warehouse_ids.view_location_id.ids)])
                    .ids
                )
                locations = in_warehouses if locations is None else locations & in_warehouses
            if endpoint.product_categ_ids:
                categories = endpoint.product_categ_ids
            if endpoint.company_id:
                companies = set(endpoint.company_id.ids)
            elif endpoint.filter_company_ids:
                companies = set(endpoint.filter_company_ids.ids)
        if categories is not None:
            product_ids &= set(
                env["product.product"]
                .search([("id", "in", list(product_ids)), ("categ_id", "child_of", categories.ids)])
                .ids
            )
        outbox, n_events = self._outbox_ledger(env, product_ids, endpoint, companies)
        odoo, n_lines = self._odoo_ledger(env, product_ids, companies)
        if locations is not None:
            outbox = {key: qty for key, qty in outbox.items() if key[1] in locations}
            odoo = {key: qty for key, qty in odoo.items() if key[1] in locations}
        differences = self._ledger_differences(env, outbox, odoo)
        if differences:
            scope = f" of endpoint {endpoint.name}" if endpoint else ""
            self.fail(
                f"The outbox{scope} does not replay to Odoo's stock ledger"
                f" ({n_events} movement events, {n_lines} done move lines, "
                f"{len(product_ids)} products):\n" + "\n".join(differences)
            )

    def _moved_product_ids(self, env):
        lines_after, events_after = getattr(self, "_outbox_watermark", (0, 0))
        env.cr.execute(
            """
            SELECT product_id FROM stock_move_line WHERE id > %s AND state = 'done'
             UNION
            SELECT product_id FROM stock_sync_event
             WHERE id > %s AND type = %s AND product_id IS NOT NULL
            """,
            (lines_after, events_after, MOVEMENT_TYPE),
        )
        return {row[0] for row in env.cr.fetchall()}

    @staticmethod
    def _outbox_ledger(env, product_ids, endpoint, companies):
        """{(product, location, lot, package, owner): quantity} replayed from the events."""
        ledger = defaultdict(float)
        domain = [("type", "=", MOVEMENT_TYPE), ("product_id", "in", list(product_ids))]
        if endpoint:
            domain.append(("delivery_ids.endpoint_id", "=", endpoint.id))
        if companies is not None:
            domain.append(("company_id", "in", list(companies)))
        events = env["stock.sync.event"].search(domain, order="id")

        def ref(value):
            return value["id"] if value else False

        def move(product, quantity, source, destination, lot, package, result_package, owner):
            ledger[(product, source, lot, package, owner)] -= quantity
            ledger[(product, destination, lot, result_package, owner)] += quantity

        for event in events:
            data = event.payload["data"]
            product = data["product"]["id"]
            if data["operation"] == "correction":
                previous = data["correction"]["previous"]
                move(
                    product,
                    -previous["quantity"],
                    previous["location_from"]["id"],
                    previous["location_to"]["id"],
                    ref(previous.get("lot")),
                    ref(previous.get("package")),
                    ref(previous.get("result_package")),
                    ref(previous.get("owner")),
                )
            move(
                product,
                data["quantity"],
                data["location_from"]["id"],
                data["location_to"]["id"],
                ref(data["lot"]),
                ref(data["package"]),
                ref(data.get("result_package")),
                ref(data.get("owner")),
            )
        return ledger, len(events)

    @staticmethod
    def _odoo_ledger(env, product_ids, companies):
        """{(product, location, lot, package, owner): quantity} of the done move lines."""
        ledger = defaultdict(float)
        domain = [("state", "=", "done"), ("product_id", "in", list(product_ids))]
        if companies is not None:
            domain.append(("company_id", "in", list(companies)))
        lines = env["stock.move.line"].search(domain)
        for line in lines:
            product, quantity, lot = line.product_id.id, line.quantity_product_uom, line.lot_id.id
            owner = line.owner_id.id
            ledger[(product, line.location_id.id, lot, line.package_id.id, owner)] -= quantity
            ledger[(product, line.location_dest_id.id, lot, line.result_package_id.id, owner)] += (
                quantity
            )
        return ledger, len(lines)

    @staticmethod
    def _ledger_differences(env, outbox, odoo):
        """Lines saying where the two ledgers disagree, per level of detail.

        A product and location that disagree are named once; lots, packages
        and owners are named where the totals agree but are split differently.
        """
        levels = [
            ("product, location", lambda key: key[:2]),
            ("product, location, lot", lambda key: key[:3]),
            ("product, location, package", lambda key: (*key[:2], key[3])),
            ("product, location, owner", lambda key: (*key[:2], key[4])),
        ]
        products = env["product.product"].browse({key[0] for key in (*outbox, *odoo)}).exists()
        rounding = {product.id: product.uom_id.rounding for product in products}
        names = {product.id: product.display_name for product in products}

        def label(key):
            product, location = key[0], env["stock.location"].browse(key[1]).exists()
            parts = [
                names.get(product, f"product #{product}"),
                f"@ {location.complete_name if location else f'location #{key[1]}'}",
            ]
            return " ".join(parts)

        differences, wrong_places = [], set()
        for level, project in levels:
            ours, theirs = defaultdict(float), defaultdict(float)
            for key, quantity in outbox.items():
                ours[project(key)] += quantity
            for key, quantity in odoo.items():
                theirs[project(key)] += quantity
            for key in sorted(set(ours) | set(theirs)):
                if level != levels[0][0] and key[:2] in wrong_places:
                    continue  # said once, per product and location
                precision = rounding.get(key[0], DEFAULT_ROUNDING)
                if float_compare(ours[key], theirs[key], precision_rounding=precision):
                    wrong_places.add(key[:2])
                    detail = ""
                    if level.endswith("lot"):
                        lot = env["stock.lot"].browse(key[2]).exists()
                        detail = f" lot {lot.name if lot else key[2] or 'none'}"
                    elif level.endswith("package"):
                        package = env["stock.quant.package"].browse(key[2]).exists()
                        detail = f" package {package.name if package else key[2] or 'none'}"
                    elif level.endswith("owner"):
                        owner = env["res.partner"].browse(key[2]).exists()
                        detail = f" owner {owner.name if owner else key[2] or 'none'}"
                    differences.append(
                        f"  [{level}] {label(key)}{detail}: outbox {ours[key]:g},"
                        f" Odoo {theirs[key]:g}"
                    )
        return differences


class StockSyncCase(OutboxAssertions, TransactionCase):
    """Users with the least rights, a warehouse, products and one endpoint.

    Nothing here comes from demo data: the warehouse is the one Odoo creates
    for the main company at install, everything else is made below.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The tests' receivers listen on 127.0.0.1, which endpoints refuse by default.
        cls.env["ir.config_parameter"].set_param("stock_sync.allow_local_urls", "True")
        cls.company = cls.env.ref("base.main_company")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf A", "location_id": cls.stock.id}
        )
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        # A stock operator: validates transfers, knows nothing of the sync.
        cls.operator = new_test_user(cls.env, "sync_operator", groups="stock.group_stock_user")
        cls.stock_manager = new_test_user(
            cls.env, "sync_stock_manager", groups="stock.group_stock_manager"
        )
        cls.sync_user = new_test_user(
            cls.env, "sync_user", groups="stock_sync.group_stock_sync_user"
        )
        cls.sync_manager = new_test_user(
            cls.env, "sync_manager", groups="stock_sync.group_stock_sync_manager"
        )
        cls.categ_critical = cls.env["product.category"].create(
            {"name": "APIs", "stock_sync_criticality": "critical"}
        )
        cls.categ_bulk = cls.env["product.category"].create(
            {"name": "Packaging", "stock_sync_criticality": "bulk"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Paracetamol API",
                "is_storable": True,
                "default_code": "API-001",
                "barcode": "4006381333931",
                "categ_id": cls.categ_critical.id,
            }
        )
        cls.carton = cls.env["product.product"].create(
            {
                "name": "Carton",
                "is_storable": True,
                "default_code": "PKG-9",
                "categ_id": cls.categ_bulk.id,
            }
        )
        cls.lot_product = cls.env["product.product"].create(
            {
                "name": "Lot-tracked resin",
                "is_storable": True,
                "tracking": "lot",
                "default_code": "RES-1",
            }
        )
        cls.endpoint = cls.new_endpoint("Test WMS")

    def cron_listener(self):
        """A connection listening where Odoo's cron workers do (``LISTEN cron_trigger``
        on the ``postgres`` database), closed at the end of the test."""
        _dbname, params = sql_db.connection_info_for("postgres")
        listener = psycopg2.connect(**params)
        self.addCleanup(listener.close)
        listener.autocommit = True
        listener.cursor().execute("LISTEN cron_trigger")
        return listener

    @classmethod
    def new_endpoint(cls, name, url="http://127.0.0.1:9/events", **values):
        """An active endpoint with one signing secret; ``values``: its filters,
        cadences... Never contacted unless a test serves ``url``."""
        return cls.env["stock.sync.endpoint"].create(
            {"name": name, "url": url, "secret_ids": [Command.create({})], **values}
        )

    @classmethod
    def _picking(cls, picking_type, lines, location=None, location_dest=None):
        location = location or picking_type.default_location_src_id
        location_dest = location_dest or picking_type.default_location_dest_id
        return cls.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": location.id,
                            "location_dest_id": location_dest.id,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )

    def receive(self, lines, user=None, lot_names=None):
        """Receive ``lines`` [(product, qty)] into WH/Stock, validated by ``user``."""
        picking = self._picking(self.warehouse.in_type_id, lines, self.supplier_loc, self.stock)
        picking = picking.with_user(user or self.operator)
        picking.action_confirm()
        for move in picking.move_ids:
            if lot_names and move.product_id.tracking == "lot":
                move.move_line_ids.unlink()
                qty_each = move.product_uom_qty / len(lot_names)
                move.move_line_ids = [
                    Command.create(
                        {
                            "product_id": move.product_id.id,
                            "lot_name": name,
                            "quantity": qty_each,
                            "picking_id": picking.id,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
                    for name in lot_names
                ]
            else:
                move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def deliver(self, lines, user=None):
        picking = self._picking(self.warehouse.out_type_id, lines, self.stock, self.customer_loc)
        picking = picking.with_user(user or self.operator)
        picking.action_confirm()
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    @classmethod
    def sync_manager_of(cls, login, companies):
        """An Inventory Sync manager allowed in ``companies`` only (the first is current)."""
        return new_test_user(
            cls.env,
            login,
            groups="stock_sync.group_stock_sync_manager",
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )

    def declare_test_note_type(self):
        """Declare ``TEST_NOTE_TYPE`` (data: ``{"n": int >= 0}``), as a glue module would."""
        return self.env["stock.sync.event.type"].create(
            {
                "name": "Test note",
                "code": TEST_NOTE_TYPE,
                "aggregatetype": "test.note",
                "schema_path": "stock_sync/tests/schemas/test_note.v1.json",
            }
        )

    # Dispatcher runs are called directly, as the cron would after commit. Tests
    # that use them enter test mode, so the dispatcher's cursors share the test's
    # transaction.
    dispatch_budget = 10

    def dispatch(self, budget=None):
        """Commit as the user would (precommit hooks write pending events), then run the
        dispatch cron once within ``budget`` seconds; return the events sent."""
        self.env.cr.flush()
        sent = self.env["stock.sync.dispatcher"]._cron_dispatch(
            time_budget=budget or self.dispatch_budget
        )
        self.env.invalidate_all()
        return sent

    def make_due(self):
        """Let time pass: retries and rests are due now."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET next_attempt_at = %s WHERE state = 'failed'",
            (fields.Datetime.now(),),
        )
        self.env.cr.execute("UPDATE stock_sync_endpoint SET paused_until = NULL")
        self.env.invalidate_all()

    def events_of(self, records):
        """The events of pickings or productions, numbered and fanned out as the
        dispatcher leaves them after commit (their deliveries are written then)."""
        self.number_events()
        return self.written_events_of(records)

    def written_events_of(self, records):
        """The events of pickings or productions as their transaction wrote them:
        not numbered yet, without deliveries."""
        self.env.flush_all()
        return self.env["stock.sync.event"].search(
            [("move_line_id", "in", records.move_line_ids.ids)], order="id"
        )


class OutboxDeliveryCase(StockSyncCase):
    """Deliveries to a live receiver on the loopback, signed with the endpoint's secret.

    The dispatcher opens its own cursors; test mode makes them share the test's transaction.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret = cls.endpoint.secret_ids.secret
        cls.receiver = WebhookReceiver(secrets=[cls.secret]).start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.endpoint.write({"url": cls.receiver.url, "timeout": 2.0, "cadence_bulk": "realtime"})

    def setUp(self):
        super().setUp()
        self.receiver.reset()
        self.receiver.set_secrets([self.secret])
        # Odoo's test harness (pytest-odoo's and Odoo's runner alike) routes
        # requests through BaseCase._request_handler, which stretches short
        # timeouts to 10 s: these tests need the real client behaviour against
        # the loopback receiver.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)


class MemoryTransport(transport.Transport):
    """A test-only transport: keeps the batches it is given, answers as it is told.

    ``answers`` is a list consumed one per batch: a ``SendResult``, an
    exception to raise, or a callable ``batch -> SendResult``; when empty,
    every event is acknowledged.
    """

    key = "memory"
    batches = []
    answers = []

    def send(self, batch):
        type(self).batches.append(batch)
        answer = type(self).answers.pop(0) if type(self).answers else None
        if answer is None:
            return transport.SendResult(transport.DELIVERED, duration=0.001)
        if isinstance(answer, Exception):
            raise answer
        return answer(batch) if callable(answer) else answer


@contextmanager
def memory_transport(env):
    """Offer ``MemoryTransport`` on endpoints for the duration of the block."""
    field = env["stock.sync.endpoint"]._fields["transport"]
    MemoryTransport.batches, MemoryTransport.answers = [], []
    transport.register(MemoryTransport)
    try:
        with (
            patch.object(field, "selection", [*field.selection, ("memory", "Memory (tests)")]),
            patch.dict(field._selection, {"memory": "Memory (tests)"}),
        ):
            yield MemoryTransport
    finally:
        transport.unregister(MemoryTransport.key)
