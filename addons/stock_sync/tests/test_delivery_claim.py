"""A claim is the batch transaction's row lock: a dispatcher that dies loses nothing.

What a dispatcher of an earlier version left in flight (its claim was a lease it
wrote) is sent again once the module is updated.
"""

from odoo.modules.migration import load_script
from odoo.tests import tagged

from .common import OutboxDeliveryCase


class DispatcherDied(Exception):
    pass


@tagged("post_install", "-at_install")
class TestDeliveryClaim(OutboxDeliveryCase):
    def test_a_claim_writes_nothing_and_ends_with_its_transaction(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        Dispatcher = self.env["stock.sync.dispatcher"]
        self.number_events()
        self.env.flush_all()
        with self.assertRaises(DispatcherDied), self.env.cr.savepoint():
            claimed = Dispatcher._claim(self.endpoint)
            self.assertEqual([row.id for row in claimed], delivery.ids)
            self.assertEqual(claimed[0].attempts, 1, "the attempt about to be made")
            self.env.invalidate_all()
            self.assertRecordValues(delivery, [{"state": "pending", "attempts": 0}])
            raise DispatcherDied  # before anything is recorded
        # Its transaction is gone and its claim with it: the delivery is due at once.
        self.env.invalidate_all()
        self.assertEqual(self.dispatch(), 1)
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 1}])
        self.assertEqual(len(self.receiver.events), 1)

    def test_an_earlier_version_s_flight_is_sent_again_after_the_update(self):
        # A dispatcher of an earlier version wrote its claim (in_flight); the
        # update to 18.0.1.3.0 puts what it left back in the queue, its attempt kept.
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.number_events()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET state = 'in_flight', attempts = 1 WHERE id = %s",
            (delivery.id,),
        )
        self.env.invalidate_all()
        self.assertEqual(self.dispatch(), 0, "no claim takes a state no dispatcher writes")
        migration = load_script(
            "stock_sync/migrations/18.0.1.3.0/pre-migrate.py", "stock_sync_pre_migrate_18_0_1_3_0"
        )
        migration.migrate(self.env.cr, "18.0.1.2.0")
        # The update then loads the model, whose init builds the due index again.
        self.env["stock.sync.delivery"].init()
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'stock_sync_delivery_due_idx'"
        )
        self.assertRegex(self.env.cr.fetchone()[0], r"WHERE .*'pending'.*'failed'[^,]*\]")
        self.env.invalidate_all()
        self.assertEqual(delivery.state, "pending")
        self.assertEqual(self.dispatch(), 1)
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 2}])
        self.assertEqual(len(self.receiver.events), 1)
