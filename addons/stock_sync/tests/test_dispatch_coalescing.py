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
        self.sleeps = []
        real_sleep = time.sleep

        def sleep(seconds):
            self.sleeps.append(seconds)
            real_sleep(seconds)

        self.startPatcher(patch.object(stock_sync_dispatcher.time, "sleep", sleep))

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
        self.assertEqual(self.sleeps, [], "the first run after a quiet spell starts at once")
        self.receive([(self.product, 2)])
        self.assertEqual(self.cron_run(), 1)
        # What is left of the window (the receipt in between took some of it),
        # then, under load, one more look a window later, which found nothing.
        self.assertEqual(len(self.sleeps), 2, self.sleeps)
        self.assertGreater(self.sleeps[0], 0.5)
        self.assertLessEqual(self.sleeps[0], 1.0)
        self.assertEqual(self.sleeps[1], 1.0)

    def test_a_run_after_the_window_starts_at_once(self):
        self.set_window("100")
        self.receive([(self.product, 1)])
        self.assertEqual(self.cron_run(), 1)
        time.sleep(0.15)
        self.sleeps.clear()
        self.receive([(self.product, 2)])
        self.assertEqual(self.cron_run(), 1)
        self.assertEqual(self.sleeps, [])

    def test_runs_called_directly_or_with_no_window_never_wait(self):
        self.set_window("300")
        self.receive([(self.product, 1)])
        self.assertEqual(self.cron_run(), 1)
        self.receive([(self.product, 2)])
        self.assertEqual(self.dispatch(), 1, "not started by the cron: a test, a script, a click")
        self.set_window("0")
        self.receive([(self.product, 3)])
        self.assertEqual(self.cron_run(), 1)
        self.assertEqual(self.sleeps, [])

    def test_a_window_that_is_not_a_number_falls_back_to_the_default(self):
        Dispatcher = self.env["stock.sync.dispatcher"].with_context(cron_id=self.cron.id)
        for value, expected in (("fast", 0.2), ("", 0.2), (False, 0.2), ("-50", 0.0), ("50", 0.05)):
            with self.subTest(value=value):
                self.assertEqual(Dispatcher._coalescing_window(value), expected)
        self.assertEqual(self.env["stock.sync.dispatcher"]._coalescing_window("50"), 0.0)
