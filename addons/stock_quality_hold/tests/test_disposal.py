from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestDisposal(QualityHoldCase):
    """Scrap rejected stock, or return it to the vendor, as a quality manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Resin Supplier", "ref": "V-RES"})
        cls.other_vendor = cls.env["res.partner"].create({"name": "Gasket Supplier"})
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.scrap_loc = cls.env["stock.location"].search(
            [("scrap_location", "=", True), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.reason_scrap = cls.reason_failed

    @classmethod
    def receive(cls, product, quantity, lot_name=None, partner=None, warehouse=None):
        """A validated receipt from ``partner`` into the warehouse's stock."""
        warehouse = warehouse or cls.warehouse
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "partner_id": (partner or cls.vendor).id,
                "location_id": cls.supplier_loc.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": cls.supplier_loc.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.move_line_ids = [
            Command.create(
                {
                    "product_id": product.id,
                    "lot_name": lot_name,
                    "quantity": quantity,
                    "picking_id": picking.id,
                    "location_id": cls.supplier_loc.id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                }
            )
        ]
        move.picked = True
        picking.button_validate()
        assert picking.state == "done"
        return picking

    def rejected(self, product, lot=None, warehouse=None):
        return self.quants(product, (warehouse or self.warehouse).rejected_location_id, lot)

    def test_scrap_a_rejected_lot_everywhere(self):
        self.receive(self.lot_product, 10, "LOT-SCRAP")
        self.receive(self.lot_product, 4, "LOT-SCRAP", warehouse=self.warehouse2)
        lot = self.env["stock.lot"].search([("name", "=", "LOT-SCRAP")])
        lot.with_user(self.quality_manager).action_quality_reject(self.reason_failed)
        self.assertEqual(lot.quality_status, "rejected")
        histories = lot.with_user(self.quality_manager).action_quality_scrap(
            self.reason_scrap, note="Burnt in the lab"
        )
        self.assertEqual(len(histories), 2)
        self.assertEqual(set(histories.mapped("action")), {"disposal"})
        self.assertEqual(set(histories.mapped("disposal_method")), {"scrap"})
        self.assertEqual(sorted(histories.mapped("quantity")), [4, 10])
        self.assertEqual(
            set(histories.location_id.ids),
            {self.warehouse.rejected_location_id.id, self.warehouse2.rejected_location_id.id},
        )
        self.assertEqual(histories.location_dest_id, self.scrap_loc)
        scraps = histories.scrap_id
        self.assertEqual(len(scraps), 2)
        self.assertEqual(set(scraps.mapped("state")), {"done"})
        self.assertEqual(scraps.lot_id, lot)
        self.assertEqual(histories.move_id, scraps.move_ids)
        self.assertEqual(histories.user_id, self.quality_manager)
        self.assertEqual(histories[0].note, "Burnt in the lab")
        self.assertFalse(self.qty(self.lot_product, self.warehouse.rejected_location_id, lot))
        self.assertFalse(self.qty(self.lot_product, self.warehouse2.rejected_location_id, lot))
        self.assertEqual(self.qty(self.lot_product, self.scrap_loc, lot), 14)
        # nothing left anywhere: the lot stays rejected, it does not become "released"
        self.assertEqual(lot.quality_status, "rejected")
        note = lot.message_ids.filtered(lambda m: "Burnt in the lab" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Scrap by", note.body)
        self.assertIn(scraps[0].name, note.body)

    def test_return_a_rejected_lot_to_the_vendor_of_its_receipt(self):
        receipt = self.receive(self.lot_product, 10, "LOT-RET")
        lot = self.env["stock.lot"].search([("name", "=", "LOT-RET")])
        quant = self.quants(self.lot_product, self.stock, lot)
        self.reject(quant, quantity=6)
        histories = lot.with_user(self.quality_manager).action_quality_return(self.reason_failed)
        self.assertEqual(len(histories), 1)
        self.assertEqual(
            (histories.disposal_method, histories.quantity, histories.partner_id),
            ("return", 6, self.vendor),
        )
        picking = histories.picking_id
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.partner_id, self.vendor)
        self.assertEqual(picking.location_id, self.warehouse.rejected_location_id)
        self.assertEqual(picking.location_dest_id, self.supplier_loc)
        self.assertIn(receipt.name, picking.origin)
        self.assertEqual(picking.move_ids.origin_returned_move_id, receipt.move_ids)
        self.assertEqual(picking.move_ids.move_line_ids.lot_id, lot)
        self.assertEqual(histories.move_id, picking.move_ids)
        self.assertEqual(picking.move_ids.move_line_ids.quantity, 6)
        self.assertEqual(self.qty(self.lot_product, self.warehouse.rejected_location_id, lot), 0)
        # the 4 not rejected are still in stock: the lot's status follows them
        self.assertEqual(self.qty(self.lot_product, self.stock, lot), 4)
        self.assertEqual(lot.quality_status, "released")
        self.assertTrue(lot.message_ids.filtered(lambda m: picking.name in (m.body or "")))

    def test_bulk_return_from_the_quant_list_asks_for_the_vendor_of_untracked_stock(self):
        self.receive(self.lot_product, 5, "LOT-BULK")
        lot = self.env["stock.lot"].search([("name", "=", "LOT-BULK")])
        self.put(self.product, 8)
        self.put(self.product, 3, location=self.stock2)
        self.reject(self.quants(self.lot_product, self.stock, lot))
        self.reject(self.quants(self.product, self.stock))
        self.reject(self.quants(self.product, self.stock2))
        quants = (
            self.rejected(self.lot_product, lot)
            | self.rejected(self.product)
            | self.rejected(self.product, warehouse=self.warehouse2)
        )
        self.assertEqual(len(quants), 3)
        action = (
            quants.with_user(self.quality_manager)
            .with_context(quality_disposal="return")
            .action_open_quality_disposal_wizard()
        )
        Wizard = (
            self.env[action["res_model"]]
            .with_user(self.quality_manager)
            .with_context(**action["context"])
        )
        wizard = Wizard.create({"reason_id": self.reason_failed.id})
        self.assertEqual(wizard.method, "return")
        # the gaskets were counted in, not received: nobody knows their vendor
        self.assertTrue(wizard.vendor_unknown)
        with self.assertRaisesRegex(UserError, "Gasket: no receipt tells which vendor"):
            wizard.action_confirm()
        self.assertEqual(self.qty(self.lot_product, self.warehouse.rejected_location_id, lot), 5)
        wizard = Wizard.create(
            {"reason_id": self.reason_failed.id, "partner_id": self.other_vendor.id}
        )
        wizard.action_confirm()
        histories = self.env["stock.quality.hold.history"].search(
            [("action", "=", "disposal"), ("move_id.product_id", "in", quants.product_id.ids)]
        )
        self.assertEqual(len(histories), 3)
        self.assertEqual(histories.partner_id, self.other_vendor)
        # one transfer per warehouse and vendor
        self.assertEqual(len(histories.picking_id), 2)
        self.assertEqual(set(histories.picking_id.mapped("state")), {"done"})
        self.assertFalse(quants.exists().filtered("quantity"))
        self.assertEqual(sorted(histories.picking_id.move_ids.mapped("quantity")), [3, 5, 8])

    def test_scrap_part_of_one_quant_from_the_wizard(self):
        lot = self.lot("LOT-PART")
        quant = self.put(self.lot_product, 9, lot=lot)
        self.reject(quant)
        rejected = self.rejected(self.lot_product, lot)
        action = rejected.with_user(self.quality_manager).action_open_quality_disposal_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.quality_manager)
            .with_context(**action["context"])
            .create({"reason_id": self.reason_failed.id})
        )
        self.assertEqual((wizard.method, wizard.quantity), ("scrap", 9))
        wizard.quantity = 2
        wizard.action_confirm()
        self.assertEqual(rejected.quantity, 7)
        self.assertEqual(self.qty(self.lot_product, self.scrap_loc, lot), 2)
        self.assertEqual(lot.quality_status, "rejected")

    def test_refusals_leave_everything_as_it_was(self):
        self.receive(self.lot_product, 5, "LOT-NO")
        lot = self.env["stock.lot"].search([("name", "=", "LOT-NO")])
        held = self.quants(self.lot_product, self.stock, lot)
        self.hold(held, quantity=2)
        on_hold = self.quants(self.lot_product, self.warehouse.qa_hold_location_id, lot)
        qm = self.quality_manager
        scraps = self.env["stock.scrap"].search_count([])
        # held, not rejected
        with self.assertRaisesRegex(UserError, "only rejected stock can be scrapped"):
            self.as_user(on_hold, qm)._quality_dispose("scrap", self.reason_failed)
        with self.assertRaisesRegex(UserError, "has no rejected stock"):
            lot.with_user(qm).action_quality_return(self.reason_failed)
        self.reject(self.quants(self.lot_product, self.stock, lot))
        rejected = self.rejected(self.lot_product, lot)
        # a stock user may not dispose of anything
        with self.assertRaisesRegex(AccessError, "Only Quality Managers"):
            self.as_user(rejected, self.operator)._quality_dispose("scrap", self.reason_failed)
        with self.assertRaises(AccessError):
            self.env["stock.quality.disposal.wizard"].with_user(self.operator).create(
                {"quant_ids": [Command.set(rejected.ids)]}
            )
        # no reason, too much, unknown method, several quants with a quantity
        with self.assertRaisesRegex(UserError, "Choose a reason"):
            self.as_user(rejected, qm)._quality_dispose(
                "scrap", self.env["stock.quality.hold.reason"]
            )
        with self.assertRaisesRegex(UserError, "not 4. Give at most 3"):
            self.as_user(rejected, qm)._quality_dispose("scrap", self.reason_failed, quantity=4)
        with self.assertRaisesRegex(UserError, "Unknown disposal"):
            self.as_user(rejected, qm)._quality_dispose("burn", self.reason_failed)
        with self.assertRaisesRegex(UserError, "one quant at a time"):
            self.as_user(rejected | on_hold, qm)._quality_dispose(
                "scrap", self.reason_failed, quantity=1
            )
        # one quant not rejected in a bulk: nothing is done
        with self.assertRaisesRegex(UserError, "Reject it first"):
            self.as_user(rejected | on_hold, qm)._quality_dispose("scrap", self.reason_failed)
        self.assertEqual(self.env["stock.scrap"].search_count([]), scraps)
        self.assertEqual(rejected.quantity, 3)
        self.assertFalse(
            self.env["stock.quality.hold.history"].search([("action", "=", "disposal")])
        )

    def test_a_serial_is_disposed_of_one_by_one(self):
        serial = self.lot("SN-1", self.serial_product)
        quant = self.put(self.serial_product, 1, lot=serial)
        self.reject(quant)
        rejected = self.rejected(self.serial_product, serial)
        with self.assertRaisesRegex(UserError, "exactly 1 unit"):
            self.as_user(rejected, self.quality_manager)._quality_dispose(
                "scrap", self.reason_failed, quantity=0.5
            )
        histories = serial.with_user(self.quality_manager).action_quality_return(
            self.reason_failed, partner=self.vendor
        )
        self.assertEqual((histories.quantity, histories.partner_id), (1, self.vendor))
        self.assertEqual(serial.quality_status, "rejected")
