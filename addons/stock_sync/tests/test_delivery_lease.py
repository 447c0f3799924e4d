"""A claim is the batch transaction's row lock: a dispatcher that dies loses nothing.

A lease written by a dispatcher of an earlier version is still respected until it expires.
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OutboxDeliveryCase


class DispatcherDied(Exception):
    pass


@tagged("post_install", "-at_install")
class TestDeliveryLease(OutboxDeliveryCase):
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
            self.assertRecordValues(
                delivery, [{"state": "pending", "attempts": 0, "claim_token": False}]
            )
            raise DispatcherDied  # before anything is recorded
        # Its transaction is gone and its claim with it: the delivery is due at once.
        self.env.invalidate_all()
        self.assertEqual(self.dispatch(), 1)
        self.assertRecordValues(delivery, [{"state": "delivered", "attempts": 1}])
        self.assertEqual(len(self.receiver.events), 1)

    def test_a_lease_of_an_earlier_version_is_respected_until_it_expires(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.number_events()
        self.env.cr.execute(
            """UPDATE stock_sync_delivery
                  SET state = 'in_flight', attempts = 1, claim_token = 'old-worker',
                      lease_until = %s
                WHERE id = %s""",
            (fields.Datetime.now() + timedelta(hours=1), delivery.id),
        )
        self.env.invalidate_all()
        self.assertEqual(self.dispatch(), 0, "a live lease is respected")
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET lease_until = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(seconds=1), delivery.id),
        )
        self.assertEqual(self.dispatch(), 1)
        self.assertRecordValues(
            delivery,
            [{"state": "delivered", "attempts": 2, "claim_token": False, "lease_until": False}],
        )
