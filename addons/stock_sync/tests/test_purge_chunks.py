from odoo.tests import tagged

from .settled_notes import SettledNotesCase


@tagged("post_install", "-at_install")
class TestPurgeChunks(SettledNotesCase):
    """The purge deletes a bounded number of events per statement and per transaction,
    oldest first, and hands what remains to the cron instead of committing itself."""

    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("stock_sync.ir_cron_purge")
        self.events = self.notes(7)
        self.settle(self.events, "delivered", days_ago=40)

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_bounded_chunks_then_a_trigger(self):
        triggers = self._triggers()
        self.assertEqual(self.Event._cron_purge(chunk_size=2, max_chunks=2), 4)
        self.assertEqual(self.remaining(self.events), self.events[4:], "oldest first")
        self.assertEqual(self._triggers(), triggers + 1, "the cron comes back for the rest")
        self.assertEqual(self.Event._cron_purge(chunk_size=2, max_chunks=2), 3)
        self.assertFalse(self.remaining(self.events))
        self.assertEqual(self._triggers(), triggers + 1, "nothing left: no new trigger")

    def test_in_the_cron_it_reports_progress(self):
        progress = self.env["ir.cron.progress"].create({"cron_id": self.cron.id})
        in_cron = self.Event.with_context(ir_cron_progress_id=progress.id, cron_id=self.cron.id)
        self.assertEqual(in_cron._cron_purge(chunk_size=3, max_chunks=1), 3)
        self.assertEqual((progress.done, progress.remaining), (3, 1), "call me again")
        self.assertEqual(in_cron._cron_purge(chunk_size=3, max_chunks=5), 4)
        self.assertEqual((progress.done, progress.remaining), (4, 0), "done")
