from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged


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
        # A real receipt: its event reaches the tour's endpoint through capture.
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        supplier = self.env.ref("stock.stock_location_suppliers")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": 5,
                            "location_id": supplier.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.write({"quantity": 5, "picked": True})
        picking.button_validate()
        # Numbered as the dispatcher does after commit: its deliveries are written then.
        self.env.flush_all()
        self.env["stock.sync.sequence"]._number_new_events()
        event = self.env["stock.sync.event"].search(
            [("move_line_id", "in", picking.move_line_ids.ids)]
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
