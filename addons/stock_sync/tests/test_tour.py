from odoo import Command, fields, http
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.stock_sync_event import MOVEMENT_TYPE


@tagged("post_install", "-at_install", "suite_ui")
class TestExceptionQueueTour(HttpCase):
    def setUp(self):
        super().setUp()
        # CPython 3.11.7 can fail ast.parse when two threads parse at once
        # ("AST constructor recursion depth mismatch"): read every manifest
        # here, once, before the browser's parallel requests do.
        self.assertIn("stock_sync", http.root.statics)

    def test_sync_user_retries_a_dead_delivery(self):
        user = new_test_user(self.env, "tour_sync_user", groups="stock_sync.group_stock_sync_user")
        endpoint = self.env["stock.sync.endpoint"].create(
            {
                "name": "Tour WMS",
                "url": "https://wms.example.com/in",
                "secret_ids": [Command.create({})],
            }
        )
        product = self.env["product.product"].create(
            {"name": "Tour API", "default_code": "TOUR-API", "is_storable": True}
        )
        event = self.env["stock.sync.event"]._record(
            [
                {
                    "type": MOVEMENT_TYPE,
                    "aggregatetype": "stock.movement",
                    "company": self.env.company,
                    "product": product,
                    "occurred_at": fields.Datetime.now(),
                    "reference": "WH/IN/TOUR",
                    "data": {},
                }
            ]
        )
        delivery = event.delivery_ids.filtered(lambda d: d.endpoint_id == endpoint)
        delivery.write(
            {
                "state": "dead",
                "attempts": 3,
                "error_class": "http_4xx",
                "status_code": 422,
                "error_message": "The receiver refused the batch for good (HTTP 422).",
            }
        )
        self.start_tour("/odoo", "stock_sync_exception_queue", login="tour_sync_user")
        delivery.invalidate_recordset()
        self.assertEqual(delivery.state, "pending")
        self.assertIn(
            "Queued again by tour_sync_user", "".join(delivery.message_ids.mapped("body"))
        )
        requeued = delivery.message_ids.filtered(lambda m: "Queued again" in m.body)
        self.assertEqual(requeued.author_id, user.partner_id, "the chatter says who did it")
