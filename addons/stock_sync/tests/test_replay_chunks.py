from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .settled_notes import SettledNotesCase


@tagged("post_install", "-at_install")
class TestReplayChunks(SettledNotesCase):
    """A replay reads, filters and queues its range a chunk at a time, and says once,
    on the endpoint, who replayed what."""

    def setUp(self):
        super().setUp()
        self.events = self.notes(5)
        self.settle(self.events, "delivered", days_ago=0)
        self.Replay = self.env["stock.sync.replay"]

    def _messages(self, records):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM mail_message WHERE model = %s AND res_id = ANY(%s)",
            (records._name, records.ids),
        )
        return self.env.cr.fetchone()[0]

    def _replay(self, endpoint, user, include_delivered=False):
        now = fields.Datetime.now()
        return (
            self.Replay.with_user(user)
            .create(
                {
                    "endpoint_id": endpoint.id,
                    "date_from": now - timedelta(hours=1),
                    "date_to": now + timedelta(minutes=1),
                    "include_delivered": include_delivered,
                }
            )
            .action_replay()
        )

    def test_replay_in_chunks_with_one_summary(self):
        newcomer = self.env["stock.sync.endpoint"].create(
            {"name": "New MES", "url": "https://mes.example.com/in"}
        )
        searched = []
        Event = type(self.env["stock.sync.event"])
        original = Event.search

        def spy(records, domain, *args, **kwargs):
            result = original(records, domain, *args, **kwargs)
            searched.append(len(result))
            return result

        with (
            patch.object(type(self.Replay), "_chunk_size", 2),
            patch.object(Event, "search", autospec=True, side_effect=spy),
        ):
            self._replay(newcomer, self.sync_manager)
        self.assertEqual(searched, [2, 2, 1, 0])
        self.assertEqual(newcomer.delivery_ids.event_id, self.events)
        self.assertIn("replayed 5 new and 0 delivered", newcomer.message_ids[0].body)
        # Sending delivered events again: one note on the endpoint, none per delivery.
        delivered = self.endpoint.delivery_ids
        before = self._messages(delivered)
        with patch.object(type(self.Replay), "_chunk_size", 2):
            self._replay(self.endpoint, self.sync_manager, include_delivered=True)
        self.assertEqual(set(delivered.mapped("state")), {"pending"})
        self.assertEqual(self._messages(delivered), before)
        summary = self.endpoint.message_ids[0]
        self.assertIn("replayed 0 new and 5 delivered", summary.body)
        self.assertEqual(summary.author_id, self.sync_manager.partner_id)

    def test_only_who_may_change_the_endpoint_replays_to_it(self):
        other = self.env["res.company"].create({"name": "Plant B"})
        self.assertTrue(other)
        # The main company's manager is no longer a manager of every company.
        with self.assertRaises(AccessError):
            self._replay(self.endpoint, self.sync_manager)
