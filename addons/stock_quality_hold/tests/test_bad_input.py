from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestBadInput(QualityHoldCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot1 = cls.lot("LOT-B1")
        cls.put(cls.lot_product, 5, lot=cls.lot1)

    def assertNothingMoved(self):
        self.assertEqual(self.qty(self.lot_product, self.stock, self.lot1), 5)
        self.assertFalse(
            self.env["stock.quality.hold.history"].search([("lot_id", "=", self.lot1.id)])
        )

    def test_releasing_more_than_held(self):
        self.hold(self.quants(self.lot_product, self.stock, self.lot1), quantity=2)
        held = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, self.lot1)
        with self.assertRaisesRegex(UserError, "only 2 Units is held .* Release at most 2."):
            self.release(held, quantity=3)
        self.assertEqual(held.quantity, 2)

    def test_releasing_stock_that_is_not_held(self):
        with self.assertRaisesRegex(UserError, "not a hold bucket"):
            self.release(self.quants(self.lot_product, self.stock, self.lot1))
        self.assertNothingMoved()

    def test_holding_more_than_the_location_has(self):
        with self.assertRaisesRegex(UserError, "has only 5 Units, not 6. Give at most 5."):
            self.hold(self.quants(self.lot_product, self.stock, self.lot1), quantity=6)
        self.assertNothingMoved()

    def test_holding_reserved_stock(self):
        picking = self.delivery(self.lot_product, 4)
        picking.action_assign()
        with self.assertRaisesRegex(UserError, f"reserved for {picking.name}. Unreserve"):
            self.hold(self.quants(self.lot_product, self.stock, self.lot1), quantity=2)
        self.assertNothingMoved()

    def test_missing_reason(self):
        quants = self.quants(self.lot_product, self.stock, self.lot1).with_user(self.operator)
        with self.assertRaisesRegex(UserError, "Choose a reason"):
            quants._quality_action("hold", self.env["stock.quality.hold.reason"])
        wizard = (
            self.env["stock.quality.hold.wizard"]
            .with_user(self.operator)
            .create({"action": "hold", "quant_ids": [(6, 0, quants.ids)]})
        )
        with self.assertRaisesRegex(UserError, "Choose a reason"):
            wizard.action_confirm()
        self.assertNothingMoved()

    def test_serial_quantity_other_than_one(self):
        serial = self.lot("SN-B1", self.serial_product)
        self.put(self.serial_product, 1, lot=serial)
        quant = self.quants(self.serial_product, self.stock, serial)
        with self.assertRaisesRegex(UserError, "serial number: act on exactly 1 unit"):
            self.hold(quant, quantity=0.5)
        with self.assertRaisesRegex(UserError, "greater than zero"):
            self.hold(quant, quantity=0)
        self.assertEqual(quant.quantity, 1)

    def test_all_or_nothing_over_several_quants(self):
        other = self.lot("LOT-B2")
        self.put(self.lot_product, 3, lot=other)
        self.hold(self.quants(self.lot_product, self.stock, other))
        # one of the two is already held: nothing of the other moves either
        quants = self.quants(self.lot_product, self.stock, self.lot1) | self.quants(
            self.lot_product, self.warehouse.qa_hold_location_id, other
        )
        with self.assertRaisesRegex(UserError, "already in"):
            self.hold(quants)
        self.assertNothingMoved()

    def test_another_companys_stock(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        self.assertTrue(warehouse_b.qa_hold_location_id, "a new company's warehouse has buckets")
        product_b = self.env["product.product"].create(
            {"name": "B's part", "is_storable": True, "company_id": company_b.id}
        )
        self.put(product_b, 3, location=warehouse_b.lot_stock_id)
        quant_b = self.quants(product_b, warehouse_b.lot_stock_id)
        user_b = new_test_user(
            self.env,
            "qh_user_b",
            groups="stock.group_stock_user",
            company_id=company_b.id,
            company_ids=[(6, 0, (company_b | self.company).ids)],
        )
        # a user of both companies working in the main one only
        quant_in_a = quant_b.with_user(user_b).with_context(allowed_company_ids=self.company.ids)
        with self.assertRaisesRegex(UserError, "belongs to Company B.*Switch company"):
            quant_in_a.sudo(False)._quality_action("hold", self.reason)
        self.assertEqual(quant_b.quantity, 3)
        # in company B, it works, into B's own bucket
        histories, _skipped = (
            quant_b.with_user(user_b)
            .with_context(allowed_company_ids=company_b.ids)
            ._quality_action("hold", self.reason)
        )
        self.assertEqual(histories.location_dest_id, warehouse_b.qa_hold_location_id)
        self.assertEqual(histories.company_id, company_b)
        # the operator of the main company does not see B's history
        self.assertFalse(
            self.env["stock.quality.hold.history"]
            .with_user(self.operator)
            .search([("id", "in", histories.ids)])
        )

    def test_holding_stock_reserved_and_picked_for_a_delivery_then_done(self):
        picking = self.delivery(self.lot_product, 5)
        picking.action_assign()
        picking.move_ids.picked = True
        quant = self.quants(self.lot_product, self.stock, self.lot1)
        with self.assertRaisesRegex(
            UserError, f"5 Units is reserved for {picking.name}. Unreserve it there first"
        ):
            self.hold(quant)
        self.assertNothingMoved()
        # the recall reports it instead of moving it
        histories, skipped = self.as_user(self.lot1, self.operator).action_quality_recall(
            self.reason_recall
        )
        self.assertFalse(histories)
        self.assertEqual([(q, qty) for q, qty, _why in skipped], [(quant, 5)])
        self.assertIn(picking.name, skipped[0][2])
        # once the delivery is done, the stock is gone: holding it says so
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        with self.assertRaisesRegex(UserError, "(no stock to act on|no longer where).*Reload"):
            self.hold(quant)
        self.assertFalse(
            self.env["stock.quality.hold.history"].search([("lot_id", "=", self.lot1.id)])
        )

    def test_releasing_a_serial_by_other_than_one(self):
        serial = self.lot("SN-B2", self.serial_product)
        self.put(self.serial_product, 1, lot=serial)
        self.hold(self.quants(self.serial_product, self.stock, serial))
        held = self.quants(self.serial_product, self.warehouse.qa_hold_location_id, serial)
        for quantity in (0.5, 2):
            with self.assertRaisesRegex(
                UserError, f"Sensor \\(SN-B2\\) is tracked by serial number.*not {quantity:g}"
            ):
                self.release(held, quantity=quantity)
        self.assertEqual(held.quantity, 1)
        self.assertEqual(serial.quality_status, "on_hold")
