from unittest.mock import patch

from odoo.tests import tagged

from .settled_notes import SettledNotesCase


@tagged("post_install", "-at_install")
class TestRequeueSummary(SettledNotesCase):
    """Requeue and cancel work through a selection in chunks and say once, on the
    endpoint, who did what to which deliveries, instead of a message per delivery."""

    def setUp(self):
        super().setUp()
        self.events = self.notes(5)
        self.deliveries = self.events.delivery_ids.sorted("id")
        self.settle(self.events, "dead", days_ago=0)
        self.Delivery = type(self.env["stock.sync.delivery"])

    def _messages(self, records):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM mail_message WHERE model = %s AND res_id = ANY(%s)",
            (records._name, records.ids),
        )
        return self.env.cr.fetchone()[0]

    def _chunked(self):
        """Record the size of each chunk the action writes; chunks of 2 deliveries."""
        sizes, original = [], self.Delivery._release_followers

        def spy(records):
            sizes.append(len(records))
            return original(records)

        patches = (
            patch.object(self.Delivery, "_queue_action_chunk_size", 2),
            patch.object(self.Delivery, "_release_followers", autospec=True, side_effect=spy),
        )
        return sizes, patches

    def test_requeue_writes_in_chunks_and_one_summary(self):
        before = self._messages(self.deliveries)
        notes = self._messages(self.endpoint)
        sizes, (chunk_size, spy) = self._chunked()
        with chunk_size, spy:
            self.deliveries.with_user(self.sync_user).action_requeue()
        self.assertEqual(sizes, [2, 2, 1])
        self.assertEqual(set(self.deliveries.mapped("state")), {"pending"})
        self.assertEqual(self._messages(self.deliveries), before, "no message per delivery")
        self.assertEqual(self._messages(self.endpoint), notes + 1, "one summary")
        summary = self.endpoint.message_ids[0]
        self.assertEqual(summary.author_id, self.sync_user.partner_id, "who")
        first, last = self.deliveries[0].id, self.deliveries[-1].id
        self.assertIn(f"queued 5 deliveries again (5 dead): #{first}–#{last}", summary.body)
        self.assertEqual(self.deliveries.write_uid, self.sync_user, "each one still says who")

    def test_cancel_writes_in_chunks_and_one_summary(self):
        before = self._messages(self.deliveries)
        notes = self._messages(self.endpoint)
        sizes, (chunk_size, spy) = self._chunked()
        Cancel = self.env["stock.sync.delivery.cancel"].with_user(self.sync_user)
        with chunk_size, spy:
            Cancel.with_context(active_ids=self.deliveries.ids).create(
                {"reason": "Booked by hand in the WMS"}
            ).action_cancel()
        self.assertEqual(sizes, [2, 2, 1])
        self.assertEqual(set(self.deliveries.mapped("state")), {"cancelled"})
        self.assertEqual(set(self.deliveries.mapped("cancel_reason")), {"Booked by hand in the WMS"})
        self.assertEqual(self._messages(self.deliveries), before)
        self.assertEqual(self._messages(self.endpoint), notes + 1)
        summary = self.endpoint.message_ids[0]
        self.assertEqual(summary.author_id, self.sync_user.partner_id)
        self.assertIn("cancelled 5 deliveries (5 dead)", summary.body)
        self.assertIn("Booked by hand in the WMS", summary.body)
