"""Inspection on receipt: received quantities land in QA hold, whatever the receipt steps."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import QualityHoldCase, validate_with_lots


@tagged("post_install", "-at_install")
class TestReceiptInspection(QualityHoldCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.categ_pharma = cls.env["product.category"].create(
            {"name": "Pharma", "quality_inspect_on_receipt": True}
        )
        cls.categ_api = cls.env["product.category"].create(
            {"name": "APIs", "parent_id": cls.categ_pharma.id}
        )
        cls.categ_plain = cls.env["product.category"].create({"name": "Hardware"})
        # inspected through the category's parent, through its own flag, through the category
        cls.product.categ_id = cls.categ_api
        cls.lot_product.write({"categ_id": cls.categ_plain.id, "quality_inspect_on_receipt": True})
        cls.serial_product.categ_id = cls.categ_pharma
        cls.plain = cls.env["product.product"].create(
            {"name": "Bolt", "is_storable": True, "categ_id": cls.categ_plain.id}
        )
        cls.reason_receipt = cls.env.ref("stock_quality_hold.reason_inspection_on_receipt")
        cls.warehouse2.reception_steps = "two_steps"

    def receive(self, lines, warehouse=None, user=None):
        """Validate a receipt of ``lines`` [(product, qty, lot names or None)] as ``user``."""
        warehouse = warehouse or self.warehouse
        picking_type = warehouse.in_type_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": self.supplier_loc.id,
                "location_dest_id": picking_type.default_location_dest_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.supplier_loc.id,
                            "location_dest_id": picking_type.default_location_dest_id.id,
                        }
                    )
                    for product, qty, _lots in lines
                ],
            }
        )
        picking = picking.with_user(user or self.operator)
        validate_with_lots(picking, [lots for _product, _qty, lots in lines])
        self.assertEqual(picking.state, "done")
        return picking.sudo(False)

    def free(self, product, warehouse):
        product = product.with_context(warehouse_id=warehouse.id)
        return product.free_qty, product.qty_available, product.virtual_available

    def test_rule_product_or_its_category_or_a_parent(self):
        self.assertTrue(self.product._quality_inspect_on_receipt(), "parent category")
        self.assertTrue(self.serial_product._quality_inspect_on_receipt(), "category")
        self.assertTrue(self.lot_product._quality_inspect_on_receipt(), "product")
        self.assertFalse(self.plain._quality_inspect_on_receipt())
        self.categ_pharma.quality_inspect_on_receipt = False
        self.assertFalse(self.product._quality_inspect_on_receipt())

    def test_one_step_receipt_lands_in_qa_hold_and_stays_unavailable_until_released(self):
        qa_hold = self.warehouse.qa_hold_location_id
        picking = self.receive([(self.product, 10, None)])
        move = picking.move_ids
        self.assertEqual(move.location_dest_id, qa_hold)
        self.assertEqual(move.move_line_ids.location_dest_id, qa_hold)
        self.assertEqual(self.qty(self.product, qa_hold), 10)
        self.assertEqual(self.qty(self.product, self.stock), 0)
        self.assertRecordValues(
            self.env["stock.quality.hold.history"].search([("move_id", "=", move.id)]),
            [
                {
                    "action": "hold",
                    "bucket": "qa_hold",
                    "reason_id": self.reason_receipt.id,
                    "user_id": self.operator.id,
                    "quantity": 10,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": qa_hold.id,
                    "warehouse_id": self.warehouse.id,
                    "company_id": self.company.id,
                }
            ],
        )
        # out of availability and reservation, also after the scheduler's clean-up
        self.env["stock.quant"]._quant_tasks()
        self.assertEqual(self.free(self.product, self.warehouse), (0, 0, 0))
        delivery = self.delivery(self.product, 4)
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 0)
        # a quality manager releases: available, reservable
        self.release(self.quants(self.product, qa_hold), quantity=6)
        self.assertEqual(self.free(self.product, self.warehouse), (6, 6, 2))
        delivery.action_assign()
        self.assertEqual(delivery.move_ids.quantity, 4)
        self.assertEqual(self.qty(self.product, qa_hold), 4)

    def test_lots_and_serials_in_two_and_three_step_receipts(self):
        self.warehouse.reception_steps = "three_steps"
        lot_picking = self.receive(
            [(self.lot_product, 8, ["RCV-L1", "RCV-L2"])], warehouse=self.warehouse2
        )
        serial_picking = self.receive(
            [(self.serial_product, 3, ["RCV-S1", "RCV-S2", "RCV-S3"])], warehouse=self.warehouse
        )
        for picking, warehouse, product, count, each in (
            (lot_picking, self.warehouse2, self.lot_product, 2, 4),
            (serial_picking, self.warehouse, self.serial_product, 3, 1),
        ):
            qa_hold = warehouse.qa_hold_location_id
            self.assertEqual(picking.move_ids.location_dest_id, qa_hold)
            lots = picking.move_line_ids.lot_id
            self.assertEqual(len(lots), count)
            self.assertEqual(set(lots.mapped("quality_status")), {"on_hold"})
            for lot in lots:
                self.assertEqual(lot.quality_reason_id, self.reason_receipt)
                self.assertTrue(
                    lot.message_ids.filtered(lambda m: self.reason_receipt.name in (m.body or ""))
                )
            self.assertEqual(
                self.quants(product, qa_hold).mapped("quantity"),
                [each] * count,
            )
            # no later step (input → quality → stock) for the held quantities
            self.assertFalse(picking.move_ids.move_dest_ids)
            self.assertFalse(
                self.env["stock.move"].search(
                    [
                        ("product_id", "=", product.id),
                        ("location_id", "in", (warehouse.wh_input_stock_loc_id.id,)),
                    ]
                )
            )
            self.assertEqual(self.free(product, warehouse), (0, 0, 0))
        # the quality manager releases a lot: its stock goes to the warehouse's stock
        lot = lot_picking.move_line_ids.lot_id[0]
        lot.with_user(self.quality_manager).action_quality_release(self.reason_passed)
        self.assertEqual(lot.quality_status, "released")
        self.assertEqual(self.qty(self.lot_product, self.stock2, lot), 4)
        self.assertEqual(self.free(self.lot_product, self.warehouse2)[0], 4)

    def test_products_not_inspected_follow_the_receipt_steps(self):
        picking = self.receive(
            [(self.product, 5, None), (self.plain, 7, None)], warehouse=self.warehouse2
        )
        held, plain = picking.move_ids
        self.assertEqual(held.location_dest_id, self.warehouse2.qa_hold_location_id)
        self.assertEqual(plain.location_dest_id, self.warehouse2.wh_input_stock_loc_id)
        store = plain.move_dest_ids
        self.assertEqual(
            (store.location_id, store.location_dest_id),
            (self.warehouse2.wh_input_stock_loc_id, self.stock2),
        )
        self.assertEqual(
            self.env["stock.quality.hold.history"]
            .search([("move_id", "in", picking.move_ids.ids)])
            .product_id,
            self.product,
        )

    def test_partial_receipt_holds_what_arrived_the_backorder_waits_normally(self):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_loc.id,
                "location_dest_id": self.stock.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.product.name,
                            "product_id": self.product.id,
                            "product_uom_qty": 10,
                            "location_id": self.supplier_loc.id,
                            "location_dest_id": self.stock.id,
                        }
                    )
                ],
            }
        )
        picking = picking.with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.quantity = 4
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        backorder = picking.backorder_ids
        self.assertEqual(backorder.move_ids.product_uom_qty, 6)
        self.assertEqual(backorder.move_ids.location_dest_id, self.stock)
        self.assertEqual(self.qty(self.product, self.warehouse.qa_hold_location_id), 4)
        history = self.env["stock.quality.hold.history"].search(
            [("move_id", "=", picking.move_ids.id)]
        )
        self.assertEqual(history.quantity, 4)

    def test_internal_transfers_and_inventory_are_not_held(self):
        self.put(self.product, 3)
        self.assertEqual(self.qty(self.product, self.stock), 3)
        self.assertFalse(
            self.env["stock.quality.hold.history"].search([("product_id", "=", self.product.id)])
        )

    def test_customer_returns_are_held_transfers_through_transit_are_not(self):
        self.put(self.product, 5)
        delivery = self.delivery(self.product, 2)
        delivery.action_assign()
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(delivery.state, "done")
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.operator)
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = 2
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        returned = returned.with_user(self.operator)
        returned.move_ids.quantity = 2
        returned.move_ids.picked = True
        returned.button_validate()
        qa_hold = self.warehouse.qa_hold_location_id
        self.assertEqual(returned.move_ids.location_dest_id, qa_hold)
        self.assertEqual(self.qty(self.product, qa_hold), 2)
        self.assertEqual(self.qty(self.product, self.stock), 3)
        self.assertEqual(
            self.env["stock.quality.hold.history"]
            .search([("move_id", "=", returned.move_ids.id)])
            .reason_id,
            self.reason_receipt,
        )
        # stock of the company arriving through transit was inspected where it came in
        transit_move = self.env["stock.move"].create(
            {
                "name": "From the other warehouse",
                "product_id": self.product.id,
                "product_uom_qty": 1,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.company.internal_transit_location_id.id,
                "location_dest_id": self.stock.id,
            }
        )
        self.assertFalse(transit_move._quality_receipt_bucket())

    def test_missing_reason_refuses_the_receipt_and_nothing_is_received(self):
        self.reason_receipt.unlink()
        with self.assertRaisesRegex(UserError, "inspection_on_receipt is missing.*validate again"):
            self.receive([(self.product, 2, None)])
        self.assertFalse(self.quants(self.product, self.warehouse.qa_hold_location_id))
        self.assertFalse(self.quants(self.product, self.stock))
