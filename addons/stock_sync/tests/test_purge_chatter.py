from odoo.tests import tagged

from .settled_notes import SettledNotesCase


@tagged("post_install", "-at_install")
class TestPurgeChatter(SettledNotesCase):
    """Purged deliveries leave no chatter behind: no foreign key removes it for them."""

    def _chatter(self, delivery):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT (SELECT count(*) FROM mail_message
                     WHERE model = 'stock.sync.delivery' AND res_id = %(id)s),
                   (SELECT count(*) FROM mail_followers
                     WHERE res_model = 'stock.sync.delivery' AND res_id = %(id)s),
                   (SELECT count(*) FROM ir_attachment
                     WHERE res_model = 'stock.sync.delivery' AND res_id = %(id)s)
            """,
            {"id": delivery.id},
        )
        return self.env.cr.fetchone()

    def test_messages_followers_and_attachments_go_with_their_delivery(self):
        old, recent = self.notes(2)
        for event in (old, recent):
            delivery = event.delivery_ids
            delivery.with_user(self.sync_user).message_post(body="Called the WMS team")
            delivery.message_subscribe(partner_ids=self.sync_manager.partner_id.ids)
            self.env["ir.attachment"].create(
                {
                    "name": "answer.txt",
                    "raw": b"the receiver's answer",
                    "res_model": "stock.sync.delivery",
                    "res_id": delivery.id,
                }
            )
        old_delivery, recent_delivery = old.delivery_ids, recent.delivery_ids
        self.settle(old, "delivered", days_ago=40)
        self.settle(recent, "delivered", days_ago=1)
        before = self._chatter(recent_delivery)
        self.assertTrue(all(self._chatter(old_delivery)), "a message, followers, a file")
        self.assertEqual(self.Event._cron_purge(), 1)
        self.assertEqual(self._chatter(old_delivery), (0, 0, 0))
        self.assertEqual(self._chatter(recent_delivery), before, "the rest keeps its chatter")
