"""Inbound pull: the event feed read page by page; the cursor moves only with a commit."""

from odoo.tests import tagged

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestPolling(WmsCase):
    def setUp(self):
        super().setUp()
        self.backend.write({"poll_enabled": True, "poll_page_size": 2, "poll_cursor": False})

    def test_polling_reads_every_page_and_advances_the_cursor(self):
        self.assertTrue(self.backend.poll_cron_id.active, "one scheduled action per backend")
        for level in (1, 2, 3, 4, 5):
            self.sim.count("EXT-API", "WH-STOCK", level)
        self.assertEqual(self.backend._poll(), 3)
        self.assertEqual(self.backend.poll_cursor, "5")
        self.assertEqual(self.inbound().mapped("source"), ["pull"] * 5)
        self.assertEqual(self.backend._poll(), 0, "nothing new")
        self.sim.adjust("EXT-API", "WH-STOCK", 2)
        self.assertEqual(self.backend._poll(), 1)
        self.assertEqual(self.backend.poll_cursor, "6")
        self.apply()
        self.assertEqual(set(self.inbound().mapped("state")), {"done"})
        self.assertEqual(self.on_hand(self.product, self.stock), 7)
        self.assertOutboxMatchesStockLedger()

    def test_a_pushed_event_polled_again_is_a_duplicate(self):
        event = self.sim.adjust("EXT-API", "WH-STOCK", 2)
        self.sim.push([event])
        self.backend._poll()
        self.assertEqual(self.inbound(event["id"]).mapped("state"), ["received", "duplicate"])
        self.apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 2)
        self.assertOutboxMatchesStockLedger()

    def test_a_malformed_answer_keeps_the_cursor(self):
        self.sim.count("EXT-API", "WH-STOCK", 1)
        self.sim.fault("malformed")
        self.assertEqual(self.backend._poll(), 0)
        self.assertFalse(self.backend.poll_cursor)
        self.assertIn("something else than", self.backend.message_ids[0].body)
        self.assertEqual(self.backend._poll(), 1)
        self.assertEqual(self.backend.poll_cursor, "1")

    def test_a_5xx_on_a_get_is_retried_by_the_client(self):
        self.sim.count("EXT-API", "WH-STOCK", 1)
        self.sim.fault("status", times=2, status=503)
        self.assertEqual(self.backend._poll(), 1, "GET is idempotent: urllib3 retried it")
        self.assertEqual(
            [c[2] for c in self.sim.calls if c[1] == "/api/v1/events"][:3], [503, 503, 200]
        )

    def test_switching_polling_off_deactivates_its_action(self):
        cron = self.backend.poll_cron_id
        self.backend.poll_enabled = False
        self.assertFalse(cron.active)
