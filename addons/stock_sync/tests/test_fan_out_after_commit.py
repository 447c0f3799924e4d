"""The stock transaction writes each event alone; its deliveries come with its number.

The outbox pattern's one row per event: the user's transaction pays for no
delivery row and no endpoint filter. The dispatcher numbers the event after
commit and fans it out then, in its own short transaction, to the endpoints
that existed when the event was captured, counting batch windows from the
capture. Deliveries written by capture before 18.0.1.5.0 keep their place.
"""

from odoo import Command, fields
from odoo.modules.migration import load_script
from odoo.tests import tagged

from odoo.addons.stock_sync.models.stock_sync_endpoint import first_attempt_at

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestFanOutAfterCommit(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bulk_only = cls.new_endpoint(
            "Packaging WMS", product_categ_ids=[Command.set(cls.categ_bulk.ids)]
        )
        # Configured an hour ago (a test's records share its transaction's clock).
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE stock_sync_endpoint SET create_date = create_date - interval '1 hour',"
            " write_date = write_date - interval '1 hour' WHERE id = ANY(%s)",
            ((cls.endpoint | cls.bulk_only).ids,),
        )
        cls.env.invalidate_all()

    def _deliveries(self, events):
        self.env.flush_all()
        return self.env["stock.sync.delivery"].search([("event_id", "in", events.ids)])

    def _backdate(self, events, seconds):
        """As if the events had been captured ``seconds`` earlier."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_sync_event SET create_date = create_date - make_interval(secs => %s)"
            " WHERE id = ANY(%s)",
            (seconds, events.ids),
        )
        self.env.invalidate_all()

    def test_the_stock_transaction_writes_the_event_alone(self):
        picking = self.receive([(self.product, 4), (self.carton, 6)], user=self.operator)
        events = self.written_events_of(picking)
        self.assertEqual(len(events), 2)
        self.assertFalse(self._deliveries(events), "no delivery row in the user's transaction")
        self.assertEqual(events.mapped("sequence"), [0, 0])
        self.assertEqual(self.number_events(), 2)
        api, carton = events
        self.assertEqual(api.delivery_ids.endpoint_id, self.endpoint)
        self.assertEqual(carton.delivery_ids.endpoint_id, self.endpoint | self.bulk_only)
        for event in events:
            self.assertTrue(event.sequence)
            self.assertRecordValues(
                event.delivery_ids,
                [
                    {
                        "sequence": event.sequence,
                        "state": "pending",
                        "partition_key": event.partition_key,
                        "product_id": event.product_id.id,
                        "operation": "receipt",
                    }
                ]
                * len(event.delivery_ids),
            )
        self.assertOutboxMatchesStockLedger(endpoint=self.bulk_only)

    def test_an_endpoint_gets_what_was_captured_after_it_was_created(self):
        picking = self.receive([(self.carton, 2)], user=self.operator)
        events = self.written_events_of(picking)
        # The capture committed a second before the endpoint was created; the
        # numbering comes after both.
        self._backdate(events, 1)
        late = self.new_endpoint("Late WMS")
        self.number_events()
        self.assertEqual(events.delivery_ids.endpoint_id, self.endpoint | self.bulk_only)
        later = self.events_of(self.receive([(self.carton, 1)], user=self.operator)) - events
        self.assertEqual(later.delivery_ids.endpoint_id, self.endpoint | self.bulk_only | late)
        self.assertOutboxMatchesStockLedger(endpoint=self.bulk_only)

    def test_an_event_numbered_late_keeps_the_batch_window_of_its_capture(self):
        self.bulk_only.write({"cadence_bulk": "batch", "batch_interval": 5})
        picking = self.receive([(self.carton, 3)], user=self.operator)
        event = self.written_events_of(picking)
        # Numbered ten minutes after its capture (a dispatcher that was down).
        self._backdate(event, 600)
        self.number_events()
        delivery = event.delivery_ids.filtered(lambda d: d.endpoint_id == self.bulk_only)
        self.assertEqual(delivery.next_attempt_at, first_attempt_at("batch", 5, event.create_date))
        self.assertLess(delivery.next_attempt_at, fields.Datetime.now())

    def test_a_correction_numbered_with_its_line_s_receipt_reaches_the_same_endpoints(self):
        critical = self.new_endpoint(
            "APIs", product_categ_ids=[Command.set(self.categ_critical.ids)]
        )
        picking = self.receive([(self.product, 5)], user=self.operator)
        # Before the dispatcher numbers the receipt, the product leaves the
        # category and the done line is corrected: one numbering takes both.
        self.product.categ_id = self.categ_bulk
        picking.move_line_ids.with_user(self.stock_manager).write({"quantity": 3})
        receipt, correction = self.written_events_of(picking)
        self.assertEqual(correction.operation, "correction")
        self.assertEqual(self.number_events(), 2)
        self.assertEqual(receipt.delivery_ids.endpoint_id, self.endpoint | critical)
        self.assertEqual(
            correction.delivery_ids.endpoint_id,
            self.endpoint | critical | self.bulk_only,
            "the receipt's receivers, and the bulk endpoint its new category concerns",
        )
        self.assertOutboxMatchesStockLedger(endpoint=critical)

    def test_deliveries_written_by_capture_before_the_update_keep_their_place(self):
        picking = self.receive([(self.carton, 2)], user=self.operator)
        event = self.written_events_of(picking)
        # As capture wrote them before 18.0.1.5.0: with the event, unnumbered,
        # here to an endpoint whose filters no longer take the event.
        self.env.cr.execute(
            """
            INSERT INTO stock_sync_delivery
                   (event_id, endpoint_id, company_id, product_id, partition_key, criticality,
                    operation, event_type, event_time, next_attempt_at, state, attempts,
                    send_alone, create_date, write_date)
            SELECT e.id, ep.id, e.company_id, e.product_id, e.partition_key, e.criticality,
                   e.operation, e.type, e.timestamp, e.create_date, 'pending', 0, FALSE,
                   e.create_date, e.create_date
              FROM stock_sync_event e, stock_sync_endpoint ep
             WHERE e.id = %s AND ep.id = ANY(%s)
            """,
            (event.id, [self.endpoint.id, self.bulk_only.id]),
        )
        self.bulk_only.product_categ_ids = self.categ_critical
        migration = load_script(
            "stock_sync/migrations/18.0.1.5.0/post-migrate.py", "stock_sync_post_migrate_18_0_1_5_0"
        )
        migration.migrate(self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(
            event.routing, {"endpoint_ids": sorted([self.endpoint.id, self.bulk_only.id])}
        )
        self.number_events()
        self.assertEqual(len(event.delivery_ids), 2, "no second delivery to either endpoint")
        self.assertEqual(event.delivery_ids.mapped("sequence"), [event.sequence] * 2)
        self.assertTrue(event.sequence)
        # Not numbered again: the queue is empty.
        self.assertEqual(self.number_events(), 0)
