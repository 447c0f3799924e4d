"""Shared set-up of the QC bridge tests: no demo data, every record made here."""

from contextlib import contextmanager

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class InspectionHoldCase(TransactionCase):
    """A receipt trigger with one pass/fail test, a stock user and a quality manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.qa_hold = cls.warehouse.qa_hold_location_id
        cls.rejected = cls.warehouse.rejected_location_id
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        cls.vendor = cls.env["res.partner"].create({"name": "Resin Supplier"})
        # Receives and ships, sees the inspections, may not release or reject.
        cls.operator = new_test_user(
            cls.env,
            "qcb_operator",
            groups="stock.group_stock_user,stock.group_production_lot,"
            "quality_control_oca.group_quality_control_user",
        )
        cls.quality_manager = new_test_user(
            cls.env,
            "qcb_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot,"
            "quality_control_oca.group_quality_control_manager",
        )
        # Approves inspections in OCA's terms, but is no Quality Manager of the buckets.
        cls.inspector = new_test_user(
            cls.env,
            "qcb_inspector",
            groups="stock.group_stock_user,quality_control_oca.group_quality_control_manager",
        )
        cls.product = cls.env["product.product"].create(
            {"name": "QC Bolt", "is_storable": True, "default_code": "QCB-BOLT"}
        )
        cls.lot_product = cls.env["product.product"].create(
            {"name": "QC Resin", "is_storable": True, "tracking": "lot", "default_code": "QCB-RES"}
        )
        cls.qc_test = cls.env["qc.test"].create(
            {
                "name": "Visual check",
                "test_lines": [
                    Command.create(
                        {
                            "name": "Surface",
                            "type": "qualitative",
                            "ql_values": [
                                Command.create({"name": "Clean", "ok": True}),
                                Command.create({"name": "Scratched", "ok": False}),
                            ],
                        }
                    )
                ],
            }
        )
        cls.value_ok = cls.qc_test.test_lines.ql_values.filtered("ok")
        cls.value_ko = cls.qc_test.test_lines.ql_values - cls.value_ok
        # A trigger of our own on the receipts (OCA also makes one per picking type).
        cls.receipt_trigger = cls.env["qc.trigger"].create(
            {
                "name": "QC bridge receipts",
                "picking_type_id": cls.warehouse.in_type_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.env["qc.trigger.product_line"].create(
            [
                {
                    "trigger": cls.receipt_trigger.id,
                    "test": cls.qc_test.id,
                    "product": product.id,
                    "timing": "after",
                    "user": cls.quality_manager.id,
                }
                for product in (cls.product, cls.lot_product)
            ]
        )

    def receive(self, product, quantity, lots=None, user=None):
        """Receive ``quantity`` (split evenly over ``lots``, names) into WH/Stock, validated."""
        picking = (
            self.env["stock.picking"]
            .with_user(user or self.operator)
            .create(
                {
                    "picking_type_id": self.warehouse.in_type_id.id,
                    "partner_id": self.vendor.id,
                    "location_id": self.supplier_loc.id,
                    "location_dest_id": self.stock.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "product_uom": product.uom_id.id,
                                "location_id": self.supplier_loc.id,
                                "location_dest_id": self.stock.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        move = picking.move_ids
        if lots:
            move.move_line_ids.unlink()
            move.move_line_ids = [
                Command.create(
                    {
                        "product_id": product.id,
                        "lot_name": name,
                        "quantity": quantity / len(lots),
                        "picking_id": picking.id,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
                for name in lots
            ]
        else:
            move.quantity = quantity
        move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def inspections(self, picking):
        return picking.sudo().qc_inspections_ids.sudo(False)

    def answer(self, inspection, ok, user=None):
        """The inspector's answer, confirmed; a failed answer waits for approval."""
        inspection = inspection.with_user(user or self.quality_manager)
        inspection.inspection_lines.qualitative_value = self.value_ok if ok else self.value_ko
        inspection.action_confirm()
        return inspection

    def qty(self, product, location, lot=None):
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        if lot is not None:
            domain.append(("lot_id", "=", lot.id))
        return sum(self.env["stock.quant"].search(domain).mapped("quantity"))

    def lot(self, name):
        return self.env["stock.lot"].search([("name", "=", name)])

    @contextmanager
    def assertRefused(self, exception, pattern):
        """Like assertRaisesRegex, inside Odoo's assertRaises savepoint (nothing half-done)."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)
