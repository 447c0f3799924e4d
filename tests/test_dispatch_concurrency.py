"""Real transactions: committed data, dispatchers on separate connections and processes.

These tests cannot live in a TransactionCase: row locks and a killed
process only mean something across committed transactions. They clean up
what they commit.
"""

import signal
import subprocess
import sys
import textwrap
import threading
import time
from unittest.mock import patch

import requests
from committed_case import CommittedCase

from odoo import Command, fields
from odoo.tests import get_db_name, tagged
from odoo.tests.common import _super_send
from odoo.tools import config

from odoo.addons.stock_sync.models import stock_sync_dispatcher
from odoo.addons.stock_sync.models.stock_sync_dispatcher import BACKLOG_STEP, FIRST_NUMBER_STEP
from odoo.addons.stock_sync.models.stock_sync_sequence import NUMBERING_LOCK
from odoo.addons.stock_sync.services.event_draft import EventDraft
from odoo.addons.stock_sync.tests.webhook_receiver import WebhookReceiver

N_KEYS = 12
N_EVENTS = 120
# An event type of the tests' own: its data does not matter to the engine.
TEST_TYPE = "odoo.stock_sync.test_note.v1"


@tagged("post_install", "-at_install")
class TestDispatchConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = WebhookReceiver().start()
        cls.addClassCleanup(cls.receiver.stop)

    def setUp(self):
        super().setUp()
        # Real client behaviour against the loopback receiver, not the harness's.
        self.startPatcher(patch.object(requests.Session, "send", _super_send))
        self.receiver.reset()
        with self.env_cr() as env:
            # The receiver is on the loopback, which endpoints refuse by default.
            params = env["ir.config_parameter"]
            self.allow_local = params.get_param("stock_sync.allow_local_urls")
            params.set_param("stock_sync.allow_local_urls", "True")
            endpoint = env["stock.sync.endpoint"].create(
                {
                    "name": "Race",
                    "url": self.receiver.url,
                    "batch_size": 7,
                    "timeout": 5,
                    "cadence_bulk": "realtime",
                    "secret_ids": [Command.create({})],
                }
            )
            products = env["product.product"].create(
                [{"name": f"Race {i}", "is_storable": True} for i in range(N_KEYS)]
            )
            env["stock.sync.event.type"].create(
                {
                    "name": "Test note",
                    "code": TEST_TYPE,
                    "aggregatetype": "test.note",
                    "schema_path": "stock_sync/tests/schemas/test_note.v1.json",
                }
            )
            self.endpoint_id, self.product_ids, self.event_ids = endpoint.id, products.ids, []
            self._emit(env, N_EVENTS)
            self.receiver.set_secrets([endpoint.secret_ids.secret])
        self.addCleanup(self._cleanup)
        with self.env_cr() as env:  # after commit, as the dispatcher does
            env["stock.sync.sequence"]._number_new_events()

    def _emit(self, env, count, products=None):
        """Emit ``count`` test events over ``products`` (default: the test's first
        keys), in turn (not numbered yet)."""
        company = env.ref("base.main_company")
        products = products or env["product.product"].browse(self.product_ids[:N_KEYS])
        start = len(self.event_ids)
        drafts = [
            EventDraft(
                company=company,
                product=products[i % len(products)],
                occurred_at=fields.Datetime.now(),
                data={"n": i},
            )
            for i in range(start, start + count)
        ]
        self.event_ids += env["stock.sync.event"].emit(TEST_TYPE, drafts).ids

    def _cleanup(self):
        with self.env_cr() as env:
            # Whatever state a failed test left them in: deliveries first.
            env.cr.execute(
                "DELETE FROM stock_sync_delivery WHERE event_id = ANY(%s)", (self.event_ids,)
            )
            env.invalidate_all()
            env["stock.sync.event"].browse(self.event_ids).unlink()
            env["stock.sync.endpoint"].browse(self.endpoint_id).unlink()
            keys = [
                f"product:{pid}@company:{env.ref('base.main_company').id}"
                for pid in self.product_ids
            ]
            env["stock.sync.sequence"].search([("partition_key", "in", keys)]).unlink()
            env["stock.sync.event.type"].search([("code", "=", TEST_TYPE)]).unlink()
            env["ir.config_parameter"].set_param("stock_sync.allow_local_urls", self.allow_local)
            env["product.product"].browse(self.product_ids).unlink()

    def _set_lanes(self, lanes):
        with self.env_cr() as env:
            params = env["ir.config_parameter"]
            saved = params.get_param("stock_sync.dispatch_lanes")
            params.set_param("stock_sync.dispatch_lanes", str(lanes))
        self.addCleanup(self._restore_lanes, saved)

    def _restore_lanes(self, saved):
        with self.env_cr() as env:
            env["ir.config_parameter"].set_param("stock_sync.dispatch_lanes", saved)

    def _spy(self, name, returned=None):
        """Record the calls of the dispatcher's method ``name``: [[args, result]], where
        ``args`` are the call's arguments in the method's order (defaults omitted).
        ``returned``: a list that also gets ``(name, result or 0)`` as each call
        returns, shared by several spies to see the order of their returns."""
        cls = self.registry["stock.sync.dispatcher"]
        original = getattr(cls, name)
        calls = []

        def spy(model, *args, **kwargs):
            call = [args + tuple(kwargs.values()), None]
            calls.append(call)  # lanes call from their threads: each fills its own entry
            call[1] = original(model, *args, **kwargs)
            if returned is not None:
                returned.append((name, call[1] or 0))
            return call[1]

        self.startPatcher(patch.object(cls, name, spy))
        return calls

    def assertAllDeliveredOnce(self, count):
        """``count`` events at the receiver, each once, in key order; every delivery
        delivered at its first attempt."""
        self.assertEqual(len(self.receiver.unique_events()), count)
        self.assertEqual(self.receiver.duplicates, 0)
        self.assertEqual(self.receiver.order_violations, [])
        states, attempts = self._states()
        self.assertEqual(set(states), {"delivered"})
        self.assertEqual(set(attempts), {1})

    def _states(self):
        with self.env_cr() as env:
            deliveries = env["stock.sync.delivery"].search([("event_id", "in", self.event_ids)])
            return deliveries.mapped("state"), deliveries.mapped("attempts")

    def _dispatch(self, results, errors, barrier=None, cron=False):
        """One run, called directly or (``cron``) as Odoo's cron worker starts it."""
        try:
            with self.env_cr() as env:
                if barrier:
                    barrier.wait(10)
                Dispatcher = env["stock.sync.dispatcher"]
                if cron:
                    cron_id = env.ref("stock_sync.ir_cron_dispatch").id
                    Dispatcher = Dispatcher.with_context(cron_id=cron_id)
                results.append(Dispatcher._cron_dispatch(time_budget=60))
        except Exception as exc:  # reported by the test below, not swallowed
            errors.append(exc)

    def test_two_dispatchers_never_send_the_same_delivery_twice(self):
        # A slow receiver keeps batches in flight long enough to overlap.
        self.receiver.set_behaviour("slow", delay=0.05)
        results, errors = [], []
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=self._dispatch, args=(results, errors, barrier))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors, errors)
        self.assertEqual(sum(results), N_EVENTS)
        self.assertTrue(all(results), f"both dispatchers took a share of the work: {results}")
        self.assertAllDeliveredOnce(N_EVENTS)

    def test_worker_killed_after_claiming_loses_nothing(self):
        # A claim is the row locks of the batch's transaction: the worker claims
        # a batch, then holds it (as while its batch is on the wire) until killed.
        script = textwrap.dedent(f"""
            import time
            import odoo
            from odoo import SUPERUSER_ID, api
            from odoo.modules.registry import Registry
            odoo.tools.config.parse_config(["-c", {config.rcfile!r}, "-d", {get_db_name()!r}])
            with Registry({get_db_name()!r}).cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {{}})
                endpoint = env["stock.sync.endpoint"].browse({self.endpoint_id})
                rows = env["stock.sync.dispatcher"]._claim(endpoint)
                cr.execute("SELECT pg_backend_pid()")
                print("claimed", len(rows), cr.fetchone()[0], flush=True)
                time.sleep(600)  # killed before it sends anything
        """)
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(proc.wait, 30)
        self.addCleanup(proc.kill)
        line = proc.stdout.readline().split()
        self.assertEqual(line[:2], ["claimed", "7"], proc.stderr.read()[-2000:] if not line else "")
        backend = int(line[2])
        # The claim wrote nothing: every delivery waits as it did, no attempt counted.
        states, attempts = self._states()
        self.assertEqual(set(states), {"pending"})
        self.assertEqual(set(attempts), {0})
        # While the worker holds its claim, its keys wait; the other keys flow.
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertEqual(results, [N_EVENTS - 7 * (N_EVENTS // N_KEYS)])
        # The worker dies: its transaction ends with its connection, and the work is
        # due again at once (no lease to wait for); everything arrives, in order.
        proc.send_signal(signal.SIGKILL)
        self.assertEqual(proc.wait(30), -signal.SIGKILL)
        with self.env_cr() as env:
            for _ in range(300):
                env.cr.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,))
                if not env.cr.fetchone():
                    break
                time.sleep(0.1)
            else:
                self.fail("the killed worker's transaction is still open")
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertAllDeliveredOnce(N_EVENTS)

    def test_light_load_run_stays_in_one_lane(self):
        # Two lanes allowed, but no step of the run finds a backlog (7 events a
        # batch, all numbered already): it sends everything from its first lane.
        self._set_lanes(2)
        in_lanes = self._spy("_dispatch_in_lanes")
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertEqual(results, [N_EVENTS])
        self.assertEqual(in_lanes, [], "a light load started no lane threads")
        self.assertEqual(len(self.receiver.unique_events()), N_EVENTS)
        self.assertEqual(self.receiver.order_violations, [])

    def test_backlog_run_shares_the_work_among_lanes(self):
        # Events committed but not numbered yet: the run's first step numbers
        # more than a backlog's worth, and the rest is shared among two lanes.
        self._set_lanes(2)
        with self.env_cr() as env:
            self._emit(env, 3 * BACKLOG_STEP)
        total = N_EVENTS + 3 * BACKLOG_STEP
        in_lanes = self._spy("_dispatch_in_lanes")
        lane_runs = self._spy("_dispatch_lane")
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertEqual(results, [total])
        self.assertEqual([args[2] for args, _result in in_lanes], [2])
        # The first lane is called with a backlog to stop at, the lanes with their share.
        self.assertEqual(lane_runs[0][0][2:], (BACKLOG_STEP,), "one lane serving every key")
        self.assertEqual(sorted(args[2] for args, _result in lane_runs[1:]), [0, 1])
        first_step, stopped = lane_runs[0][1]
        self.assertTrue(stopped, "the first lane stopped on the backlog")
        self.assertEqual(first_step + sum(result[0] for _args, result in lane_runs[1:]), total)
        self.assertAllDeliveredOnce(total)

    def test_when_two_lanes_fail_one_error_goes_up_and_the_other_is_logged(self):
        self._set_lanes(2)
        with self.env_cr() as env:
            self._emit(env, 3 * BACKLOG_STEP)
        cls = self.registry["stock.sync.dispatcher"]
        original = cls._dispatch_lane

        def failing(model, endpoint_ids, deadline, lane=None, backlog=None, board=None):
            if lane is None:  # the run's first lane: it finds the backlog and hands over
                return original(model, endpoint_ids, deadline, backlog=backlog, board=board)
            raise RuntimeError(f"lane {lane} broke")

        results, errors = [], []
        logger = "odoo.addons.stock_sync.models.stock_sync_dispatcher"
        with patch.object(cls, "_dispatch_lane", failing), self.assertLogs(logger, "ERROR") as log:
            self._dispatch(results, errors)
        self.assertEqual(len(errors), 1, errors)
        logged = [r.exc_info[1] for r in log.records if r.exc_info]
        self.assertEqual(len(logged), 1, log.output)
        self.assertEqual({str(errors[0]), str(logged[0])}, {"lane 0 broke", "lane 1 broke"})

    def test_a_run_under_load_sends_what_commits_while_it_waits(self):
        # The cron starts runs back to back (a busy product: every receipt
        # triggers one). The second waits for the rest of the coalescing window,
        # and the receipts committed meanwhile, each in its own transaction,
        # go out in it, not in runs of their own.
        self.startPatcher(patch.dict(stock_sync_dispatcher._run_ended, clear=True))
        waits = self._spy("_coalescing_wait")
        with self.env_cr() as env:
            params = env["ir.config_parameter"]
            saved = params.get_param("stock_sync.dispatch_coalesce_ms")
            # The longest window there is (2 s): three commits fit in it on a slow machine.
            params.set_param("stock_sync.dispatch_coalesce_ms", "2000")
        self.addCleanup(self._restore_param, "stock_sync.dispatch_coalesce_ms", saved)
        results, errors = [], []
        self._dispatch(results, errors, cron=True)
        self.assertEqual(results, [N_EVENTS])
        ended = stock_sync_dispatcher._run_ended[get_db_name()]
        second = threading.Thread(
            target=self._dispatch, args=(results, errors), kwargs={"cron": True}
        )
        second.start()
        for _ in range(3):
            time.sleep(0.05)
            with self.env_cr() as env:
                self._emit(env, 1)
        committed = time.monotonic()
        second.join(60)
        self.assertFalse(errors, errors)
        self.assertEqual([result for _args, result in waits][0], 0.0)
        self.assertGreater(waits[1][1], 0.0, "the second run waited")
        self.assertLess(committed, ended + 2.0, "the three commits fell within its wait")
        self.assertEqual(results, [N_EVENTS, 3], "the waiting run sent all three")
        self.assertAllDeliveredOnce(N_EVENTS + 3)
        # A run after a quiet spell does not wait (longer than the window may
        # ever be: 2 s).
        time.sleep(2.1)
        with self.env_cr() as env:
            self._emit(env, 1)
        self._dispatch(results, errors, cron=True)
        self.assertEqual(results[-1], 1)
        self.assertEqual(waits[2][1], 0.0)

    def test_a_run_that_took_all_it_saw_ends_without_a_confirming_look(self):
        # A busy product: the run numbers and sends what is committed, and a
        # receipt commits while that batch is on the wire. The run ends there (a
        # look to confirm cost every run a numbering and a claim); the receipt
        # came with a dispatch trigger of its own, which starts the next run.
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertEqual(results, [N_EVENTS])
        with self.env_cr() as env:
            self._emit(env, 1)
            cron_id = env.ref("stock_sync.ir_cron_dispatch").id
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
            (last_trigger,) = env.cr.fetchone()
        cls = self.registry["stock.sync.dispatcher"]
        send = cls._send
        on_the_wire = []

        def send_while_a_receipt_commits(model, endpoint, rows):
            if not on_the_wire:
                with self.env_cr() as env:
                    self._emit(env, 1)
            on_the_wire.append(len(rows))
            return send(model, endpoint, rows)

        self.startPatcher(patch.object(cls, "_send", send_while_a_receipt_commits))
        numberings = self._spy("_number_new_events")
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertEqual(results[-1], 1, "the run sent what it had numbered")
        self.assertEqual(len(numberings), 1, "and ended without numbering again")
        with self.env_cr() as env:
            # Its own, and the one the run left for what is due (_schedule_next_run).
            env.cr.execute(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND id > %s"
                " AND call_at <= (now() AT TIME ZONE 'UTC')",
                (cron_id, last_trigger),
            )
            self.assertGreaterEqual(env.cr.fetchone()[0], 1, "a run is due for the later receipt")
        self._dispatch(results, errors)
        self.assertEqual(results[-1], 1, "the next run sends the later receipt")
        self.assertAllDeliveredOnce(N_EVENTS + 2)

    def _restore_param(self, key, value):
        with self.env_cr() as env:
            env["ir.config_parameter"].set_param(key, value)

    def test_burst_is_sent_while_the_rest_is_numbered(self):
        # A burst committed, not numbered: the run numbers a first step only and
        # hands it to the lanes, which send it while one of them numbers the rest.
        # (Numbering the whole burst first, then sending, held both lanes up.)
        self._set_lanes(2)
        burst = 4 * FIRST_NUMBER_STEP
        with self.env_cr() as env:
            env["stock.sync.endpoint"].browse(self.endpoint_id).batch_size = 500
            self._emit(env, burst)
        returned = []  # (method, result), in the order the calls returned
        self._spy("_number_new_events", returned)
        self._spy("_dispatch_batch", returned)
        lane_runs = self._spy("_dispatch_lane")
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        # The run's first lane numbered a first step and handed over, sending nothing.
        self.assertEqual(lane_runs[0][1], (0, True))
        numbering = [
            i for i, (name, n) in enumerate(returned) if name == "_number_new_events" and n
        ]
        sending = [i for i, (name, n) in enumerate(returned) if name == "_dispatch_batch" and n]
        self.assertEqual(sum(returned[i][1] for i in numbering), burst)
        self.assertLessEqual(returned[numbering[0]][1], FIRST_NUMBER_STEP)
        self.assertLess(sending[0], numbering[-1], "a batch went out before the burst was numbered")
        self.assertAllDeliveredOnce(N_EVENTS + burst)

    def test_a_numbering_committed_under_ours_is_looked_at_again_not_an_error(self):
        with self.env_cr() as env:
            self._emit(env, N_KEYS)  # committed, listed, not numbered
        Sequence = self.registry["stock.sync.sequence"]
        original = Sequence._number_new_events
        other = self.registry.cursor()
        self.addCleanup(other.close)

        def late(model, *args, **kwargs):
            # Our snapshot is taken; another dispatcher numbers everything and
            # commits before we try the numbering lock.
            model.env.cr.execute("SELECT 1")
            other_numbered = original(self.environment(other)["stock.sync.sequence"])
            other.commit()
            self.assertEqual(other_numbered, N_KEYS)
            return original(model, *args, **kwargs)

        # Handled, so not logged as an error either (the log is where people look).
        with (
            self.env_cr() as env,
            patch.object(Sequence, "_number_new_events", late),
            self.assertNoLogs("odoo.sql_db", level="ERROR"),
        ):
            self.assertIsNone(env["stock.sync.dispatcher"]._number_new_events())
        with self.env_cr() as env:
            self.assertEqual(env["stock.sync.dispatcher"]._number_new_events(), 0)
            events = env["stock.sync.event"].browse(self.event_ids[-N_KEYS:])
            # Numbered once each: one new number per key, after the setUp's.
            self.assertEqual(events.mapped("sequence"), [N_EVENTS // N_KEYS + 1] * N_KEYS)

    def test_idle_run_waits_for_another_dispatchers_numbering(self):
        with self.env_cr() as env:
            self._emit(env, 2 * N_KEYS)  # committed, not numbered
        total = N_EVENTS + 2 * N_KEYS
        # Another dispatcher is numbering: its transaction holds the numbering lock.
        holder = self.registry.cursor()
        self.addCleanup(holder.close)
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (NUMBERING_LOCK,))
        waits = self._spy("_wait_for_numbering")
        results, errors = [], []
        thread = threading.Thread(target=self._dispatch, args=(results, errors))
        thread.start()
        self.addCleanup(thread.join, 60)
        # The run sends what is numbered, then waits for the numbering to end.
        for _ in range(600):
            if waits:
                break
            time.sleep(0.05)
        self.assertEqual(len(self.receiver.unique_events()), N_EVENTS)
        time.sleep(0.5)
        # It waits on the lock itself (its wait lasts up to 2 s), not in a loop of
        # short sleeps, and nothing was sent out of order meanwhile.
        self.assertTrue(thread.is_alive())
        self.assertEqual(len(waits), 1)
        self.assertEqual(len(self.receiver.unique_events()), N_EVENTS)
        holder.rollback()  # the other numbering ends: the run numbers and sends the rest
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertFalse(errors, errors)
        self.assertEqual(results, [total])
        self.assertEqual(len(waits), 1)
        self.assertEqual(len(self.receiver.unique_events()), total)
        self.assertEqual(self.receiver.order_violations, [])

    def test_a_lane_that_runs_dry_takes_over_keys_of_a_busy_lane(self):
        # A backlog on the keys of lane 0 only (hash % 2 == 0): lane 1 sends its
        # own few events, runs dry, and takes half of lane 0's keys.
        self._set_lanes(2)
        key_hash = "mod(hashtext('product:' || p.id || '@company:' || %s) & 2147483647, 2)"
        with self.env_cr() as env:
            company_id = env.ref("base.main_company").id
            more = env["product.product"].create(
                [{"name": f"Race extra {i}", "is_storable": True} for i in range(40)]
            )
            self.product_ids += more.ids
            env.cr.execute(
                f"SELECT p.id FROM product_product p WHERE p.id = ANY(%s) AND {key_hash} = 0",
                (more.ids, company_id),
            )
            lane_0_products = env["product.product"].browse([row[0] for row in env.cr.fetchall()])
            self._emit(env, 4 * BACKLOG_STEP, lane_0_products)
            env.cr.execute(
                f"SELECT count(*) FROM stock_sync_event e JOIN product_product p"
                f" ON p.id = e.product_id WHERE e.id = ANY(%s) AND {key_hash} = 1",
                (self.event_ids, company_id),
            )
            lane_1_own = env.cr.fetchone()[0]
        total = len(self.event_ids)
        lane_runs = self._spy("_dispatch_lane")
        results, errors = [], []
        self._dispatch(results, errors)
        self.assertFalse(errors, errors)
        self.assertEqual(results, [total])
        by_lane = {args[2]: result[0] for args, result in lane_runs[1:]}
        self.assertGreater(by_lane[1], lane_1_own, "lane 1 sent keys it was handed")
        self.assertAllDeliveredOnce(total)
