"""Retries wake the cron workers on time: the wake-ups they need reach them."""

import select
import time

from odoo.tests import tagged

from ..services import cron_wakeup
from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestDeliveryWakeup(StockSyncCase):
    def _notified_at(self, listener, count, timeout):
        """Monotonic times of the first ``count`` notifications for this database."""
        times, deadline = [], time.monotonic() + timeout
        while len(times) < count and time.monotonic() < deadline:
            select.select([listener], [], [], 0.05)
            listener.poll()
            for notification in listener.notifies:
                if notification.payload == self.env.cr.dbname:
                    times.append(time.monotonic())
            listener.notifies.clear()
        return times

    def test_a_later_wake_up_still_comes_after_an_earlier_one(self):
        """The field case: a retry wanted in 0.5 s, then another wanted in 1.2 s.

        The run the first wake-up was meant for may have happened already
        (woken by a stock transaction): then it finds nothing due, runs
        nothing and schedules nothing. The second wake-up must come anyway,
        not 60 s later at the workers' poll.
        """
        listener = self.cron_listener()
        start = time.monotonic()
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 0.5)
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 1.2)
        # Asked twice for the same moment: one wake-up.
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 1.2)
        times = [t - start for t in self._notified_at(listener, 3, timeout=3)]
        self.assertEqual(len(times), 2, f"two wake-ups, one per moment asked for: {times}")
        self.assertGreaterEqual(times[0], 0.5)
        self.assertGreaterEqual(times[1], 1.2)
        self.assertLess(times[1], 2.5, "the later one comes when due, not at the next poll")

    def test_an_earlier_wake_up_comes_before_a_pending_later_one(self):
        listener = self.cron_listener()
        start = time.monotonic()
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 1.5)
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 0.3)
        times = [t - start for t in self._notified_at(listener, 2, timeout=3)]
        self.assertEqual(len(times), 2, times)
        self.assertLess(times[0], 1.0, "the earlier one is not held back by the later one")
        self.assertGreaterEqual(times[1], 1.5)

    def test_the_real_time_trigger_is_due_by_the_database_clock(self):
        """The cron workers run a trigger when ``call_at <= now()`` on the database: a
        trigger stamped with a server clock running ahead would not be due yet when
        the NOTIFY arrives, and the run would wait for the 60 s poll."""
        cron = self.env.ref("stock_sync.ir_cron_dispatch")
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        (before,) = self.env.cr.fetchone()
        self.receive([(self.product, 1)])
        self.env.cr.execute(
            """SELECT call_at = (now() AT TIME ZONE 'UTC') FROM ir_cron_trigger
                WHERE cron_id = %s AND id > %s""",
            (cron.id, before),
        )
        self.assertEqual(self.env.cr.fetchall(), [(True,)], "one trigger, due now by the database")
