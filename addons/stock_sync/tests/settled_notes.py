"""Test notes in the outbox, aged and settled by SQL: for the purge, KPI and queue tests."""

from datetime import timedelta

from odoo import fields

from ..services.event_draft import EventDraft
from .common import TEST_NOTE_TYPE, StockSyncCase


class SettledNotesCase(StockSyncCase):
    def setUp(self):
        super().setUp()
        self.declare_test_note_type()
        self.Event = self.env["stock.sync.event"]

    def notes(self, count, product=None):
        """``count`` events of one product, each with one delivery to the test endpoint,
        numbered 1, 2, ... in their key, oldest first."""
        drafts = [
            EventDraft(
                company=self.company,
                product=product or self.product,
                occurred_at=self.env.cr.now(),
                data={"n": n},
                reference=f"NOTE/{n}",
            )
            for n in range(count)
        ]
        events = self.Event.emit(TEST_NOTE_TYPE, drafts)
        self.number_events()  # their deliveries are written as they are numbered
        # Numbered 1, 2, ... here, whatever came before in the key: the purge reads key order.
        self.env.cr.execute(
            """
            UPDATE stock_sync_delivery d SET sequence = e.rank
              FROM (SELECT id, row_number() OVER (ORDER BY id) AS rank
                      FROM stock_sync_event WHERE id = ANY(%s)) e
             WHERE d.event_id = e.id
            """,
            (events.ids,),
        )
        return events

    def settle(self, events, state, days_ago, touched_days_ago=None):
        """Events that happened ``days_ago``, their deliveries in ``state`` since
        ``touched_days_ago`` (default: the same day)."""
        now = fields.Datetime.now()
        touched = now - timedelta(days=days_ago if touched_days_ago is None else touched_days_ago)
        self.env.flush_all()
        for index, event in enumerate(events):
            # A second apart, oldest first: the purge works in time order.
            happened = now - timedelta(days=days_ago, seconds=len(events) - index)
            self.env.cr.execute(
                "UPDATE stock_sync_event SET timestamp = %s WHERE id = %s", (happened, event.id)
            )
        self.env.cr.execute(
            "UPDATE stock_sync_delivery SET state = %s, write_date = %s WHERE event_id = ANY(%s)",
            (state, touched, events.ids),
        )
        self.env.invalidate_all()

    def remaining(self, events):
        return self.Event.search([("id", "in", events.ids)])
