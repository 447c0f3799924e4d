"""Under load, runs the cron starts back to back wait for what commits meanwhile."""

import time
from unittest.mock import patch

from odoo.tests import tagged

from ..models import stock_sync_dispatcher
from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDispatchCoalescing(OutboxDeliveryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("stock_sync.ir_cron_dispatch")

    def setUp(self):
        super().setUp()
        self.startPatcher(patch.dict(stock_sync_dispatcher._run_ended, clear=True))
        self.startPatcher(patch.dict(stock_sync_dispatcher._run_lasted, clear=True))
        # What each run decided to wait (the run still waits it).
        self.waits = []
        cls = self.registry["stock.sync.dispatcher"]
        original = cls._coalescing_wait

        def spy(model, window):
            self.waits.append(original(model, window))
            return self.waits[-1]

        self.startPatcher(patch.object(cls, "_coalescing_wait", spy))

    def cron_run(self):
        """A run as Odoo's cron worker starts it (``cron_id`` in the context)."""
        self.env.flush_all()
        Dispatcher = self.env["stock.sync.dispatcher"].with_context(cron_id=self.cron.id)
        sent = Dispatcher._cron_dispatch(time_budget=10)
        self.env.invalidate_all()
        return sent

    def set_window(self, value):
        self.env["ir.config_parameter"].set_param("stock_sync.dispatch_coalesce_ms", value)

    def test_a_run_right_after_another_waits_for_the_rest_of_the_window(self):
        self.set_window("1000")
        self.receive([(self.product, 1)])
        self.assertEqual(self.cron_run(), 1)
        self.assertEqual(self.waits, [0.0], "the first run after a quiet spell starts at once")
        self.assertIn(self.env.cr.dbname, stock_sync_dispatcher._run_ended)
        self.receive([(self.product, 2)])
        started = time.monotonic()
        self.assertEqual(self.cron_run(), 1)
        # What is left of the window: the receipt in between took some of it.
        wait = self.waits[1]
        self.assertGreater(wait, 0.0)
        # At most the window grown to its most (2.5 times, at most 2 s): the
        # first run's numbering and fan-out in a test transaction can last long.
        self.assertLessEqual(wait, 2.0)
        self.assertGreaterEqual(time.monotonic() - started, wait, "and the run waited it")

    def test_a_run_after_the_window_starts_at_once(self):
        self.set_window("100")
        self.receive([(self.product, 1)])
        self.assertEqual(self.cron_run(), 1)
        time.sleep(0.3)  # past the window, even grown to its most (2.5 times)
        self.receive([(self.product, 2)])
        self.assertEqual(self.cron_run(), 1)
        self.assertEqual(self.waits, [0.0, 0.0])

    def test_runs_called_directly_or_with_no_window_never_wait(self):
        self.set_window("1000")
        self.receive([(self.product, 1)])
        self.assertEqual(self.cron_run(), 1)
        self.receive([(self.product, 2)])
        self.assertEqual(self.dispatch(), 1, "not started by the cron: a test, a script, a click")
        self.set_window("0")
        self.receive([(self.product, 3)])
        self.assertEqual(self.cron_run(), 1)
        self.assertEqual(self.waits, [0.0, 0.0, 0.0])

    def test_the_window_grows_with_what_the_last_run_lasted(self):
        """A run that lasted long (a busy machine, much to send) makes the next
        window longer: 8 times the run, at most 2.5 times the window set."""
        Dispatcher = self.env["stock.sync.dispatcher"]
        dbname = self.env.cr.dbname
        for lasted, expected in ((0.001, 0.1), (0.02, 0.16), (0.05, 0.25), (1.0, 0.25)):
            with self.subTest(lasted=lasted):
                stock_sync_dispatcher._run_ended[dbname] = time.monotonic()
                stock_sync_dispatcher._run_lasted[dbname] = lasted
                wait = Dispatcher._coalescing_wait(0.1)
                self.assertAlmostEqual(wait, expected, delta=0.01)
        # A real run records what it lasted, its wait left out. The window
        # (1 s) is longer than a receipt on a slow machine, so some is left.
        self.set_window("1000")
        self.receive([(self.product, 1)])
        self.cron_run()
        first_ended = stock_sync_dispatcher._run_ended[dbname]
        self.receive([(self.product, 2)])
        started = time.monotonic()
        self.cron_run()
        took = time.monotonic() - started
        wait = self.waits[-1]
        self.assertGreater(wait, 0.0, "this run waited the rest of the window")
        self.assertGreaterEqual(started + wait - first_ended, 1.0 - 0.05, "until it was over")
        self.assertLessEqual(stock_sync_dispatcher._run_lasted[dbname], took - wait)

    def test_a_window_that_is_not_a_sane_number_is_not_used(self):
        Dispatcher = self.env["stock.sync.dispatcher"].with_context(cron_id=self.cron.id)
        for value, expected in (
            ("fast", 0.2),
            ("", 0.2),
            (False, 0.2),
            ("nan", 0.2),
            ("inf", 0.2),
            ("-50", 0.0),
            ("50", 0.05),
            ("60000", 2.0),  # seconds typed as milliseconds: at most 2 s
        ):
            with self.subTest(value=value):
                self.assertEqual(Dispatcher._coalescing_window(value), expected)
        self.assertEqual(self.env["stock.sync.dispatcher"]._coalescing_window("50"), 0.0)
