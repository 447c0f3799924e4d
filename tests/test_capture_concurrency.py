"""Several stock users receive the same product at once: nobody waits on the outbox.

Each thread is a user's request: its own cursor, Odoo's own retry of
serialization failures (``odoo.service.model.retrying``, what JSON-RPC runs),
and a commit. The outbox takes no lock in those transactions, so the only
waits left are Odoo's own (the quant row), no deadlock can come from it, and
the events still reach the receiver in order per product.
"""

import functools
import logging
import threading
from unittest.mock import patch

import requests
from committed_case import CommittedCase

from odoo import Command
from odoo.service.model import retrying
from odoo.tests import new_test_user, tagged
from odoo.tests.common import _super_send

from odoo.addons.stock_sync.tests.webhook_receiver import WebhookReceiver

THREADS = 4
RECEIPTS = 5  # per thread


@tagged("post_install", "-at_install")
class TestCaptureConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        self.startPatcher(patch.object(requests.Session, "send", _super_send))
        self.receiver = WebhookReceiver().start()
        self.addCleanup(self.receiver.stop)
        with self.env_cr() as env:
            params = env["ir.config_parameter"]
            allow_local = params.get_param("stock_sync.allow_local_urls")
            params.set_param("stock_sync.allow_local_urls", "True")
            self.addCleanup(self._restore_param, allow_local)
            self.company_id = env.ref("base.main_company").id
            self.user_id = new_test_user(
                env, "hot_product_operator", groups="stock.group_stock_user"
            ).id
            self.product_id = (
                env["product.product"]
                .create({"name": "Hot resin", "default_code": "HOT-1", "is_storable": True})
                .id
            )
            endpoint = env["stock.sync.endpoint"].create(
                {"name": "Hot", "url": self.receiver.url, "secret_ids": [Command.create({})]}
            )
            self.endpoint_id = endpoint.id
            self.receiver.set_secrets([endpoint.secret_ids.secret])
        self.addCleanup(self._cleanup)

    def _restore_param(self, value):
        with self.env_cr() as env:
            env["ir.config_parameter"].set_param("stock_sync.allow_local_urls", value)

    def _cleanup(self):
        self.delete_stock_of([self.product_id], self.company_id)
        with self.env_cr() as env:
            env["stock.sync.endpoint"].browse(self.endpoint_id).unlink()
            env["res.users"].browse(self.user_id).unlink()

    def _user_requests(self, barrier, errors):
        try:
            barrier.wait(30)
            for qty in range(1, RECEIPTS + 1):
                with self.registry.cursor() as cr:
                    env = self.environment(cr, self.user_id)
                    product = env["product.product"].browse(self.product_id)
                    retrying(functools.partial(self.receive, env, product, qty), env)
        except Exception as exc:  # reported by the test, never swallowed
            errors.append(exc)

    def test_concurrent_receipts_of_one_product_wait_on_nothing_of_ours(self):
        barrier, errors = threading.Barrier(THREADS), []
        threads = [
            threading.Thread(target=self._user_requests, args=(barrier, errors))
            for _ in range(THREADS)
        ]
        retries = _Records()
        logger = logging.getLogger("odoo.service.model")
        logger.addHandler(retries)
        self.addCleanup(logger.removeHandler, retries)
        self.addCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.INFO)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        self.assertFalse(errors, f"an error reached a user: {errors!r}")
        self.assertFalse(
            [m for m in retries.messages if "deadlock" in m], "no transaction was a deadlock victim"
        )
        total = THREADS * RECEIPTS
        with self.env_cr() as env:
            env.cr.execute(
                "SELECT COUNT(*), SUM(quantity) FROM stock_sync_event e"
                " JOIN stock_move_line l ON l.id = e.move_line_id WHERE e.product_id = %s",
                (self.product_id,),
            )
            events, quantity = env.cr.fetchone()
            on_hand = env["product.product"].browse(self.product_id).qty_available
        self.assertEqual(events, total, "one event per receipt, none lost to a retry")
        self.assertEqual(quantity, on_hand)
        with self.env_cr() as env:
            env["stock.sync.dispatcher"]._cron_dispatch(time_budget=60)
        self.assertEqual(len(self.receiver.unique_events()), total)
        self.assertEqual(self.receiver.order_violations, [])
        sequences = [int(event["sequence"]) for event in self.receiver.events]
        self.assertEqual(sorted(sequences), list(range(1, total + 1)), "numbered 1..n per key")
        # Each event's on-hand figure is what the events before it in that order
        # left: the stock transactions ran side by side, each blind to the others.
        running = 0.0
        for event in sorted(
            self.receiver.unique_events().values(), key=lambda e: int(e["sequence"])
        ):
            running += event["data"]["quantity"]
            self.assertEqual(event["data"]["location_to"]["on_hand"], running, event["sequence"])
        self.assertEqual(running, on_hand)

    def test_a_receipt_validated_beside_another_counts_it_in_its_figure(self):
        """A validates, B validates beside it (core leaves A's quant to A and
        makes one for B), A commits, then B. Neither transaction saw the
        other's quantity; B's event, numbered after A's, must say both."""
        steps = {name: threading.Event() for name in ("a_done", "b_done", "a_committed")}
        errors = []

        def user(qty, wait_for, then, commit_after, committed=None):
            try:
                with self.registry.cursor() as cr:
                    env = self.environment(cr, self.user_id)
                    cr.execute("SELECT 1")  # the transaction's snapshot starts here
                    if wait_for:
                        self.assertTrue(steps[wait_for].wait(60))
                    self.receive(env, env["product.product"].browse(self.product_id), qty)
                    steps[then].set()
                    if commit_after:
                        self.assertTrue(steps[commit_after].wait(60))
                    cr.commit()
                if committed:
                    steps[committed].set()
            except Exception as exc:  # reported by the test, never swallowed
                errors.append(exc)
                for step in steps.values():
                    step.set()

        threads = [
            threading.Thread(target=user, args=(10, None, "a_done", "b_done", "a_committed")),
            threading.Thread(target=user, args=(3, "a_done", "b_done", "a_committed")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors, f"an error reached a user: {errors!r}")
        with self.env_cr() as env:
            env["stock.sync.sequence"]._number_new_events()
            env.cr.execute(
                "SELECT (payload #>> '{data,quantity}')::float,"
                " (payload #>> '{data,location_to,on_hand}')::float"
                " FROM stock_sync_event WHERE product_id = %s ORDER BY sequence",
                (self.product_id,),
            )
            figures = env.cr.fetchall()
            on_hand = env["product.product"].browse(self.product_id).qty_available
        self.assertEqual(on_hand, 13.0)
        self.assertEqual(figures, [(10.0, 10.0), (3.0, 13.0)], "A's receipt, then B's")


class _Records(logging.Handler):
    """Keeps what Odoo's retry loop says (serialization failures, deadlocks)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())
