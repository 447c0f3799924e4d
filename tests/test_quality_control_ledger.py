"""The QC bridge with the outbox: inspections' holds, releases and rejections as events.

``stock_quality_hold_quality_control`` depends on ``stock_quality_hold`` and OCA's
``quality_control_stock_oca`` only, not on ``stock_sync``: its own tests cannot use
the outbox. The suite installs every module together, so the ledger invariant of
its scenarios is checked here, where ``stock_sync`` and ``stock_quality_hold_sync``
are installed beside it (pytest only, on the suite's database).
"""

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, StockSyncCase

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestQualityControlLedger(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The receiving clerk has no Quality Control rights at all.
        cls.operator.groups_id = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        cls.quality_manager = new_test_user(
            cls.env,
            "qcl_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot,"
            "quality_control_oca.group_quality_control_manager",
        )
        cls.qc_test = cls.env["qc.test"].create(
            {
                "name": "Ledger visual check",
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
        trigger = cls.env["qc.trigger"].create(
            {
                "name": "Ledger receipts",
                "picking_type_id": cls.warehouse.in_type_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.env["qc.trigger.product_line"].create(
            [
                {"trigger": trigger.id, "test": cls.qc_test.id, "product": product.id}
                for product in (cls.product, cls.lot_product)
            ]
        )
        cls.qa_hold = cls.warehouse.qa_hold_location_id
        cls.rejected = cls.warehouse.rejected_location_id

    def inspect(self, picking, ok, rejected_qty=0.0):
        inspection = picking.sudo().qc_inspections_ids.with_user(self.quality_manager)
        self.assertEqual(len(inspection), 1)
        inspection.quality_rejected_qty = rejected_qty
        inspection.inspection_lines.qualitative_value = self.value_ok if ok else self.value_ko
        inspection.action_confirm()
        if not ok:
            inspection.action_approve()
        return inspection

    def hold_events(self, captured):
        return [(e.operation, e.payload["data"]["quantity"]) for e in captured.of_type(HOLD_TYPE)]

    def test_receipt_held_then_passed(self):
        with self.capture_events() as captured:
            picking = self.receive([(self.product, 10)])
        self.assertEqual(self.hold_events(captured), [("hold", 10)])
        self.assertEqual(len(captured.of_type(MOVEMENT_TYPE)), 2)  # receipt, hold
        with self.capture_events() as captured:
            inspection = self.inspect(picking, ok=True)
        self.assertEqual(inspection.state, "success")
        self.assertEqual(self.hold_events(captured), [("release", 10)])
        self.assertEqual(len(captured.of_type(MOVEMENT_TYPE)), 1)
        self.assertOutboxMatchesStockLedger()

    def test_receipt_held_then_failed(self):
        picking = self.receive([(self.lot_product, 8)], lot_names=["QCL-LOT-F"])
        with self.capture_events() as captured:
            inspection = self.inspect(picking, ok=False)
        self.assertEqual(inspection.state, "failed")
        self.assertEqual(self.hold_events(captured), [("reject", 8)])
        reject = captured.of_type(HOLD_TYPE)
        self.assertEqual(reject.payload["data"]["bucket"], "rejected")
        self.assertEqual(reject.payload["data"]["lot_status"], "rejected")
        self.assertOutboxMatchesStockLedger()

    def test_receipt_held_then_passed_in_part(self):
        picking = self.receive([(self.lot_product, 10)], lot_names=["QCL-LOT-P"])
        with self.capture_events() as captured:
            self.inspect(picking, ok=False, rejected_qty=4)
        self.assertEqual(self.hold_events(captured), [("release", 6), ("reject", 4)])
        self.assertOutboxMatchesStockLedger()
