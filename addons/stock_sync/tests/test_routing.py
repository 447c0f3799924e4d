import select
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from ..services import cron_wakeup
from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestRouting(StockSyncCase):
    def _receivers(self, picking):
        return self.events_of(picking).delivery_ids.endpoint_id

    def test_filters_select_endpoints(self):
        lots_only = self.new_endpoint(
            "Lots only",
            event_type_ids=[Command.set(self.env.ref("stock_sync.event_type_lot").ids)],
        )
        critical_categ = self.new_endpoint(
            "APIs", product_categ_ids=[Command.set(self.categ_critical.ids)]
        )
        shelf_only = self.new_endpoint("Shelf", location_ids=[Command.set(self.shelf.ids)])
        this_wh = self.new_endpoint("WH", warehouse_ids=[Command.set(self.warehouse.ids)])
        other_company = self.new_endpoint(
            "Other company",
            filter_company_ids=[Command.set(self.env["res.company"].create({"name": "C2"}).ids)],
        )
        archived = self.new_endpoint("Archived", active=False)

        receipt = self.receive([(self.product, 2)])
        self.assertEqual(self._receivers(receipt), self.endpoint | critical_categ | this_wh)

        carton = self.receive([(self.carton, 2)])
        self.assertEqual(self._receivers(carton), self.endpoint | this_wh)

        to_shelf = self._picking(
            self.warehouse.int_type_id, [(self.carton, 1)], self.stock, self.shelf
        ).with_user(self.operator)
        to_shelf.action_confirm()
        to_shelf.move_ids.quantity = 1
        to_shelf.move_ids.picked = True
        to_shelf.button_validate()
        self.assertEqual(self._receivers(to_shelf), self.endpoint | shelf_only | this_wh)
        self.assertFalse((lots_only | other_company | archived).delivery_ids)

    def test_sub_category_matches_parent_filter(self):
        child = self.env["product.category"].create(
            {"name": "Sub APIs", "parent_id": self.categ_critical.id}
        )
        product = self.env["product.product"].create(
            {"name": "Sub", "is_storable": True, "categ_id": child.id}
        )
        apis = self.new_endpoint(
            "Filtered", product_categ_ids=[Command.set(self.categ_critical.ids)]
        )
        self.assertIn(apis, self._receivers(self.receive([(product, 1)])))

    def test_real_time_wakes_the_dispatcher_and_bulk_waits_for_its_window(self):
        self.endpoint.write({"cadence_bulk": "batch", "batch_interval": 15})
        cron = self.env.ref("stock_sync.ir_cron_dispatch")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        # The window counts from the capture, by the database's clock: the
        # transaction's timestamp (in a test, when the class's transaction
        # began, which may be in the window before the one the test runs in).
        now = self.env.cr.now()
        carton = self.events_of(self.receive([(self.carton, 3)])).delivery_ids
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", cron.id)]), before, "bulk alone does not wake"
        )
        self.assertGreaterEqual(carton.next_attempt_at, now)
        self.assertLessEqual(carton.next_attempt_at, now + timedelta(minutes=15))
        self.assertEqual(carton.next_attempt_at.minute % 15, 0)
        self.assertEqual(carton.next_attempt_at.second, 0)
        critical = self.events_of(self.receive([(self.product, 3)])).delivery_ids
        self.assertLessEqual(critical.next_attempt_at, fields.Datetime.now())
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)
        # Many real-time moves in one transaction: one trigger, not one per move.
        self.receive([(self.product, 1)])
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_wake_up_reaches_cron_workers_listening(self):
        """The NOTIFY Odoo's cron threads wait for, over the reused connection."""
        listener = self.cron_listener()
        for _ in range(2):  # the second call reuses the connection
            self.assertTrue(cron_wakeup.notify_cron_workers(self.env.cr.dbname))
        received = []
        for _ in range(50):
            select.select([listener], [], [], 0.1)
            listener.poll()
            received += [n.payload for n in listener.notifies]
            listener.notifies.clear()
            if len(received) >= 2:
                break
        self.assertEqual(received, [self.env.cr.dbname] * 2)

    def test_a_future_retry_wakes_the_workers_when_due(self):
        listener = self.cron_listener()
        cron_wakeup.notify_cron_workers_later(self.env.cr.dbname, 0.5)
        cron_wakeup.notify_cron_workers_later(
            self.env.cr.dbname, 30
        )  # a later one does not replace it
        select.select([listener], [], [], 0.2)
        listener.poll()
        self.assertFalse(listener.notifies, "not before it is due")
        select.select([listener], [], [], 3)
        listener.poll()
        self.assertEqual([n.payload for n in listener.notifies], [self.env.cr.dbname])
