from odoo.tests import tagged

from .settled_notes import SettledNotesCase


@tagged("post_install", "-at_install")
class TestPurgeDeadRetention(SettledNotesCase):
    """Dead and cancelled work has its own retention, counted from when it was last
    touched: it does not stay forever, nor go before anyone could look at it."""

    def test_dead_and_cancelled_work_goes_after_its_retention(self):
        long_dead, recently_dead, long_cancelled, recently_cancelled, delivered = self.notes(5)
        self.settle(long_dead, "dead", days_ago=120, touched_days_ago=100)
        self.settle(recently_dead, "dead", days_ago=120, touched_days_ago=10)
        self.settle(long_cancelled, "cancelled", days_ago=120, touched_days_ago=95)
        self.settle(recently_cancelled, "cancelled", days_ago=40, touched_days_ago=10)
        self.settle(delivered, "delivered", days_ago=40)
        events = long_dead | recently_dead | long_cancelled | recently_cancelled | delivered
        self.assertEqual(self.Event._cron_purge(), 3)
        self.assertEqual(self.remaining(events), recently_dead | recently_cancelled)
        self.env["ir.config_parameter"].set_param("stock_sync.dead_retention_days", 7)
        self.assertEqual(self.Event._cron_purge(), 2)
        self.assertFalse(self.remaining(events))

    def test_a_dead_delivery_holding_parked_ones_stays(self):
        head, follower = self.notes(2)
        self.settle(head, "dead", days_ago=200)
        self.settle(follower, "parked", days_ago=200)
        self.assertEqual(self.Event._cron_purge(), 0)
        self.assertEqual(self.remaining(head | follower), head | follower)

    def test_the_setting_is_in_inventory_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.stock_sync_dead_retention_days, 90)
        settings.stock_sync_dead_retention_days = 14
        settings.execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param("stock_sync.dead_retention_days"), "14"
        )
