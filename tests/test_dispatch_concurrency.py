"""Real transactions: committed data, dispatchers on separate connections and processes.

These tests cannot live in a TransactionCase: row locks, leases and a killed
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
            company = env.ref("base.main_company")
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
            drafts = [
                EventDraft(
                    company=company,
                    product=products[i % N_KEYS],
                    occurred_at=fields.Datetime.now(),
                    data={"n": i},
                )
                for i in range(N_EVENTS)
            ]
            events = env["stock.sync.event"].emit(TEST_TYPE, drafts)
            self.endpoint_id, self.product_ids, self.event_ids = (
                endpoint.id,
                products.ids,
                events.ids,
            )
            self.receiver.set_secrets([endpoint.secret_ids.secret])
        self.addCleanup(self._cleanup)
        with self.env_cr() as env:  # after commit, as the dispatcher does
            env["stock.sync.sequence"]._number_new_events()

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

    def _states(self):
        with self.env_cr() as env:
            deliveries = env["stock.sync.delivery"].search([("event_id", "in", self.event_ids)])
            return deliveries.mapped("state"), deliveries.mapped("attempts")

    def _dispatch(self, results, errors, barrier=None):
        try:
            with self.env_cr() as env:
                if barrier:
                    barrier.wait(10)
                results.append(env["stock.sync.dispatcher"]._cron_dispatch(time_budget=60))
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
        self.assertEqual(len(self.receiver.unique_events()), N_EVENTS)
        self.assertEqual(self.receiver.duplicates, 0)
        self.assertEqual(self.receiver.order_violations, [])
        states, attempts = self._states()
        self.assertEqual(set(states), {"delivered"})
        self.assertEqual(set(attempts), {1})

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
        self.assertEqual(len(self.receiver.unique_events()), N_EVENTS)
        self.assertEqual(self.receiver.duplicates, 0)
        self.assertEqual(self.receiver.order_violations, [])
        states, attempts = self._states()
        self.assertEqual(set(states), {"delivered"})
        self.assertEqual(set(attempts), {1})
