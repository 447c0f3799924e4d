"""The webhook door: signatures, timestamps, replays, sizes, types, JSON, unknown backends."""

import json
import time

from odoo.tests import tagged

from .common import WmsCase


@tagged("post_install", "-at_install")
class TestWebhookSecurity(WmsCase):
    def test_a_signed_count_is_accepted_at_once_and_applied_after_commit(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 7)
        status, answer = self.sim.push([event])
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["results"], [{"id": event["id"], "status": "accepted"}])
        record = self.inbound(event["id"])
        self.assertRecordValues(record, [{"state": "received", "source": "push"}])
        self.assertEqual(
            self.on_hand(self.product, self.stock), 0, "nothing applied in the request"
        )
        self.assertEqual(self.apply(), 1)
        self.assertRecordValues(record, [{"state": "done", "product_id": self.product.id}])
        self.assertEqual(self.on_hand(self.product, self.stock), 7)
        self.assertTrue(record.move_ids.is_inventory)
        self.assertEqual(
            record.move_ids.create_uid, self.inbound_user, "applied as the technical user"
        )
        self.assertOutboxMatchesStockLedger()

    def test_a_bad_signature_is_refused_logged_and_not_recorded_as_an_event(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 7)
        other = "whsec_" + "A" * 44
        status, answer = self.sim.push([event], secret=other)
        self.assertEqual(status, 401)
        self.assertEqual(answer["status"], "rejected")
        self.assertIn("No signature matches", answer["error"])
        self.assertRecordValues(
            self.inbound(), [{"state": "rejected", "external_id": "(request refused)"}]
        )
        self.assertIn("Signature refused", self.inbound().error)
        self.assertFalse(self.inbound(event["id"]))

    def test_a_timestamp_more_than_five_minutes_off_is_refused(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 7)
        # A whole minute past the limit: the header is a whole second, so 301 s
        # ahead becomes 300 s as soon as the request crosses into the next second.
        for offset in (-360, 360):
            status, answer = self.sim.push([event], timestamp=time.time() + offset)
            self.assertEqual(status, 401)
            self.assertIn("5 minutes", answer["error"])
        self.assertFalse(self.inbound(event["id"]))

    def test_a_replayed_webhook_id_is_answered_duplicate_and_applied_once(self):
        event = self.sim.adjust("EXT-API", "WH-STOCK", 4)
        first = self.sim.push([event], webhook_id="msg_replay_1")
        again = self.sim.push([event], webhook_id="msg_replay_1")
        self.assertEqual(first[1]["accepted"], 1)
        self.assertEqual(again, (200, again[1]))
        self.assertEqual(again[1]["status"], "duplicate")
        self.assertEqual(len(self.inbound()), 1)
        self.apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 4)
        self.assertOutboxMatchesStockLedger()

    def test_a_duplicate_event_id_is_logged_as_duplicate_and_never_applied(self):
        event = self.sim.adjust("EXT-API", "WH-STOCK", 3)
        status, answer = self.sim.push([event], duplicate=True)
        self.assertEqual(status, 200)
        self.assertEqual([r["status"] for r in answer["results"]], ["accepted", "duplicate"])
        # The same event again, in another message (a WMS retrying after a lost answer).
        status, answer = self.sim.push([event])
        self.assertEqual(answer["results"][0]["status"], "duplicate")
        self.apply()
        records = self.inbound(event["id"])
        self.assertEqual(records.mapped("state"), ["done", "duplicate", "duplicate"])
        self.assertEqual(records[1].duplicate_of_id, records[0])
        self.assertEqual(self.on_hand(self.product, self.stock), 3)
        self.assertOutboxMatchesStockLedger()

    def test_malformed_json_is_refused_with_400_and_logged(self):
        status, answer = self.sim.push([], body=b'{"events": [')
        self.assertEqual(status, 400)
        self.assertIn("Malformed JSON", answer["error"])
        self.assertRecordValues(self.inbound(), [{"state": "rejected"}])
        self.assertEqual(self.inbound().payload, '{"events": [')

    def test_not_utf8_is_malformed_json(self):
        status, answer = self.sim.push([], body=b"\xff\xfe{}")
        self.assertEqual(status, 400)
        self.assertIn("Malformed JSON", answer["error"])

    def test_a_wrong_content_type_is_refused_with_415(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 1)
        status, answer = self.sim.push([event], content_type="text/plain")
        self.assertEqual(status, 415)
        self.assertIn("application/json", answer["error"])
        self.assertFalse(self.inbound(event["id"]))

    def test_an_oversized_body_is_refused_with_413(self):
        events = [self.sim.count("EXT-API", "WH-STOCK", n) for n in range(100)]
        self.assertGreater(len(json.dumps({"events": events})), 8 * 1024)
        status, answer = self.sim.push(events)
        self.assertEqual(status, 413)
        self.assertIn("larger than 8 KiB", answer["error"])
        self.assertEqual(self.inbound().mapped("state"), ["rejected"])

    def test_an_unknown_or_archived_backend_is_404(self):
        event = self.sim.count("EXT-API", "WH-STOCK", 1)
        self.sim.webhook_url = self.base_url() + "/inventory_sync/wms/999999/events"
        status, answer = self.sim.push([event])
        self.assertEqual(status, 404)
        self.assertIn("No active REST backend 999999", answer["error"])
        self.backend.active = False
        self.env.flush_all()  # the request reads the database
        self.sim.webhook_url = self.base_url() + f"/inventory_sync/wms/{self.backend.id}/events"
        self.assertEqual(self.sim.push([event])[0], 404)

    def test_an_event_of_bad_shape_is_rejected_with_its_reason(self):
        good = self.sim.count("EXT-API", "WH-STOCK", 2)
        bad = [
            {"id": "e-1", "type": "teleport", "data": {}},
            {"id": "e-2", "type": "count", "data": {"sku": "EXT-API", "location": "WH-STOCK"}},
            {
                "id": "e-3",
                "type": "count",
                "data": {"sku": "EXT-API", "location": "WH-STOCK", "quantity": -1},
            },
            {
                "id": "e-4",
                "type": "adjustment",
                "data": {"sku": "EXT-API", "location": "WH-STOCK", "quantity": "ten"},
            },
            {"type": "count", "data": {}},
        ]
        status, answer = self.sim.push([good, *bad])
        self.assertEqual(status, 200, "one event was accepted")
        errors = [r.get("error") for r in answer["results"]]
        self.assertEqual([r["status"] for r in answer["results"]], ["accepted"] + ["rejected"] * 5)
        self.assertIn("Unknown event type 'teleport'", errors[1])
        self.assertIn("'data.quantity' must be a number", errors[2])
        self.assertIn("must be at least 0", errors[3])
        self.assertIn("got 'ten'", errors[4])
        self.assertIn("no id", errors[5])
        # Only bad events: the whole request is answered 422.
        status, answer = self.sim.push(bad[:1])
        self.assertEqual(status, 422)
        self.apply()
        self.assertEqual(self.on_hand(self.product, self.stock), 2)
        self.assertOutboxMatchesStockLedger()
