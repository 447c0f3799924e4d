"""Events wait for their sequence in ``stock.sync.numbering``; the outbox's cheap write path."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.stock_sync_dispatcher import ClaimFloor
from ..services import schema
from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestNumberingQueue(OutboxDeliveryCase):
    def _queued(self, events):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM stock_sync_numbering WHERE id = ANY(%s) ORDER BY id", (events.ids,)
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def test_emit_lists_events_and_numbering_takes_them_off(self):
        events = self.written_events_of(self.receive([(self.product, 1), (self.carton, 2)]))
        self.assertEqual(self._queued(events), sorted(events.ids))
        self.assertFalse(any(events.mapped("sequence")))
        self.assertFalse(events.delivery_ids, "written as they are numbered")
        self.assertEqual(self.number_events(), 2)
        self.assertEqual(self._queued(events), [])
        self.assertTrue(all(events.mapped("sequence")))
        self.assertEqual(events.delivery_ids.mapped("sequence"), events.mapped("sequence"))
        self.assertEqual(self.number_events(), 0, "nothing left to number")

    def test_a_listed_event_deleted_before_its_number_is_dropped(self):
        events = self.events_of(self.receive([(self.product, 1)]))
        self.env.cr.execute("DELETE FROM stock_sync_event WHERE id = %s", (events.id,))
        self.assertEqual(self.number_events(), 0)
        self.assertEqual(self._queued(events), [])

    def test_one_statement_writes_one_cron_trigger_per_transaction(self):
        cron = self.env.ref("stock_sync.ir_cron_dispatch")
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        (before,) = self.env.cr.fetchone()
        self.receive([(self.product, 1)])
        self.receive([(self.carton, 1)])
        self.env.cr.execute(
            "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND id > %s",
            (cron.id, before),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)

    def test_numbering_changes_no_indexed_column_of_the_event(self):
        """No index names ``sequence`` or ``payload`` (numbering is then a HOT update),
        and the table keeps room for it in its pages."""
        self.env.cr.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i WHERE i.indrelid = 'stock_sync_event'::regclass
            """
        )
        for name, definition in self.env.cr.fetchall():
            self.assertNotRegex(definition, r"\bsequence\b|\bpayload\b", name)
        self.env.cr.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'stock_sync_event'::regclass"
        )
        self.assertIn("fillfactor=50", self.env.cr.fetchone()[0])

    def test_foreign_keys_only_where_the_outbox_needs_them(self):
        self.env.cr.execute(
            """
            SELECT con.conrelid::regclass::text, att.attname
              FROM pg_constraint con
              JOIN pg_attribute att
                ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
             WHERE con.contype = 'f'
               AND con.conrelid IN ('stock_sync_event'::regclass, 'stock_sync_delivery'::regclass)
            """
        )
        keys = set(self.env.cr.fetchall())
        loose = {
            "stock_sync_event": (
                "company_id",
                "product_id",
                "location_id",
                "location_dest_id",
                "move_line_id",
                "product_categ_id",
                "create_uid",
                "write_uid",
            ),
            "stock_sync_delivery": ("company_id", "product_id", "create_uid", "write_uid"),
        }
        for table, columns in loose.items():
            for column in columns:
                self.assertNotIn((table, column), keys)
        self.assertEqual(
            keys,
            {
                ("stock_sync_event", "lot_id"),
                ("stock_sync_delivery", "event_id"),
                ("stock_sync_delivery", "endpoint_id"),
            },
        )
        # The fields still read as records.
        event = self.events_of(self.receive([(self.product, 1)]))
        self.assertEqual(event.product_id, self.product)
        self.assertEqual(event.location_dest_id, self.warehouse.lot_stock_id)

    def test_what_has_no_foreign_key_is_let_go_on_deletion(self):
        """Deleting a category, a product or a user empties the fields that named
        it, as their foreign key's "set null" did: nothing reads a missing record."""
        parent = self.env["product.category"].create({"name": "Short-lived"})
        category = self.env["product.category"].create({"name": "Sub", "parent_id": parent.id})
        product = self.env["product.product"].create(
            {"name": "Loose", "is_storable": True, "categ_id": category.id}
        )
        user = self.env["res.users"].create(
            {
                "name": "Passing",
                "login": "passing-stock-user",
                "groups_id": [(6, 0, [self.env.ref("stock.group_stock_user").id])],
            }
        )
        lot = self.env["stock.lot"].create({"name": "L-LOOSE", "product_id": product.id})
        lot.with_user(user).write({"ref": "R-1"})  # a lot event, written by that user
        self.number_events()  # its delivery is written then
        events = self.env["stock.sync.event"].search([("lot_id", "=", lot.id)])
        self.assertTrue(events.delivery_ids)
        self.assertEqual(events.product_categ_id, category)
        self.assertEqual(events.create_uid, user)
        self.assertEqual(events.delivery_ids.product_id, product)

        product.categ_id = self.env.ref("product.product_category_all")
        parent.unlink()  # its subcategory goes with it, through the database's "cascade"
        self.assertFalse(category.exists())
        self.assertFalse(events.product_categ_id)
        self.assertEqual(events._routing_facts_of()["categ_path"], "/")

        # The dispatcher wrote the deliveries, as it numbered the event.
        self.assertEqual(events.delivery_ids.create_uid.ids, [self.env.uid])
        user.unlink()
        self.assertFalse(events.create_uid)

        lot.unlink()
        product.product_tmpl_id.unlink()  # the variant goes through the database's "cascade"
        self.assertFalse(product.exists())
        self.assertFalse(events.product_id)  # let go, both
        self.assertFalse(events.delivery_ids.product_id)
        groups = self.env["stock.sync.delivery"].read_group(
            [("id", "in", events.delivery_ids.ids)], ["product_id"], ["product_id"]
        )
        self.assertEqual([g["product_id"] for g in groups], [False])

    def test_a_company_named_by_events_is_not_deleted(self):
        """What the events' foreign key's "restrict" did: the refusal says why."""
        company = self.env["res.company"].create({"name": "Passing Company"})
        product = self.env["product.product"].create(
            {"name": "Company's own", "is_storable": True, "company_id": company.id}
        )
        lot = self.env["stock.lot"].create(
            {"name": "L-CO", "product_id": product.id, "company_id": company.id}
        )
        lot.write({"ref": "R-CO"})  # a lot event, keyed on the lot's company
        event = self.env["stock.sync.event"].search([("lot_id", "=", lot.id)])
        self.assertEqual(event.company_id, company)
        with self.assertRaisesRegex(UserError, "Passing Company still have inventory events"):
            company.unlink()
        self.assertTrue(company.exists())
        # An administrator of Settings with no inventory rights (the outbox
        # unreadable to them) gets the same answer, not an access error.
        settings_admin = self.env["res.users"].create(
            {
                "name": "Settings only",
                "login": "settings-only",
                "groups_id": [Command.set([self.env.ref("base.group_system").id])],
                "company_ids": [Command.set([self.env.company.id, company.id])],
            }
        )
        self.assertFalse(self.env["stock.sync.event"].with_user(settings_admin).has_access("read"))
        with self.assertRaisesRegex(UserError, "Passing Company still have inventory events"):
            company.with_user(settings_admin).unlink()
        self.assertTrue(company.exists())

    def test_deliveries_find_their_states_through_partial_indexes(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'stock_sync_delivery'"
        )
        indexes = {row[0] for row in self.env.cr.fetchall()}
        self.assertIn("stock_sync_delivery_attention_idx", indexes)
        self.assertNotIn("stock_sync_delivery__state_index", indexes)
        self.assertNotIn("stock_sync_delivery__company_id_index", indexes)
        # It served the product's foreign key, which is gone.
        self.assertNotIn("stock_sync_delivery__product_id_index", indexes)

    def test_the_fast_validator_answers_like_jsonschema(self):
        path = "stock_sync/schemas/movement.v1.json"
        event = self.events_of(self.receive([(self.product, 1)]))
        data = event.payload["data"]
        self.assertEqual(schema.errors(path, data), [])
        wrong = dict(data, quantity="five")
        self.assertEqual(
            schema.errors(path, wrong),
            [
                f"data.quantity: {error.message}"
                for error in schema.validator(path).iter_errors(wrong)
            ],
        )
        if schema.jsonschema_rs is not None:
            self.assertFalse(schema.fast_validator(path).is_valid(wrong))


@tagged("post_install", "-at_install")
class TestClaimFloor(OutboxDeliveryCase):
    """A run's claims start above what it sent; order and late arrivals are unaffected."""

    def test_a_run_sends_a_backlog_in_key_order_batch_after_batch(self):
        self.endpoint.batch_size = 2
        for _ in range(3):
            self.receive([(self.product, 1), (self.carton, 1)])
        self.assertEqual(self.dispatch(), 6)
        self.assertEqual(len(self.receiver.events), 6)
        self.assertEqual(self.receiver.order_violations, [])

    def test_a_due_delivery_below_the_floor_is_still_claimed(self):
        delivery = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        self.number_events()
        floor = ClaimFloor()
        floor.event_id = delivery.event_id.id + 1000  # as if a run had gone past it
        claimed = self.env["stock.sync.dispatcher"]._claim(self.endpoint, floor)
        self.assertEqual([row.id for row in claimed], delivery.ids)

    def test_a_failed_head_below_nothing_still_holds_its_key(self):
        """The key's floor is the lowest delivery that was not final: a head that
        failed after it was claimed still blocks what follows it."""
        first = self.events_of(self.receive([(self.product, 1)])).delivery_ids
        second = self.events_of(self.receive([(self.product, 2)])).delivery_ids
        self.number_events()
        self.env.cr.execute(
            """UPDATE stock_sync_delivery SET state = 'failed', attempts = 1,
                      next_attempt_at = (now() AT TIME ZONE 'UTC') + interval '1 hour'
                WHERE id = %s""",
            (first.id,),
        )
        self.env.invalidate_all()
        floor = ClaimFloor()
        floor.keys[first.partition_key] = first.sequence
        floor.event_id = second.event_id.id
        claimed = self.env["stock.sync.dispatcher"]._claim(self.endpoint, floor)
        self.assertEqual(claimed, [])
        self.assertEqual(second.state, "pending")
