from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestRecall(QualityHoldCase):
    def test_recall_holds_a_lot_in_every_warehouse_and_reports_what_it_could_not_move(self):
        lot = self.lot("LOT-RECALL")
        other = self.lot("LOT-OTHER")
        self.put(self.lot_product, 10, lot=lot)
        self.put(self.lot_product, 4, location=self.stock2, lot=lot)
        self.put(self.lot_product, 7, lot=other)
        # 3 of WH's 10 are reserved for a delivery
        picking = self.delivery(self.lot_product, 3)
        picking.do_unreserve()
        self.env["stock.move.line"].create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": self.lot_product.id,
                "lot_id": lot.id,
                "quantity": 3,
                "location_id": self.stock.id,
                "location_dest_id": self.customer_loc.id,
            }
        )
        self.assertEqual(self.quants(self.lot_product, self.stock, lot).reserved_quantity, 3)
        histories, skipped = lot.with_user(self.operator).action_quality_recall(
            self.reason_recall, "Supplier recall notice 2026-117"
        )
        self.assertEqual(
            sorted((h.location_dest_id.id, h.quantity) for h in histories),
            sorted(
                [
                    (self.warehouse.quarantine_location_id.id, 7),
                    (self.warehouse2.quarantine_location_id.id, 4),
                ]
            ),
        )
        self.assertEqual(len(skipped), 1)
        quant, quantity, why = skipped[0]
        self.assertEqual(quantity, 3)
        self.assertIn(picking.name, why)
        self.assertIn("Unreserve", why)
        self.assertEqual(lot.quality_status, "quarantined")
        self.assertEqual(other.quality_status, "released")
        self.assertEqual(self.qty(self.lot_product, self.stock, other), 7)
        # the chatter tells what did not move too
        self.assertTrue(lot.message_ids.filtered(lambda m: picking.name in (m.body or "")))
        # the wizard shows the same report
        action = lot.with_user(self.operator).action_open_quality_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.operator)
            .with_context(**action["context"])
            .create({"reason_id": self.reason_recall.id})
        )
        self.assertEqual(wizard.bucket, "quarantine")
        result = wizard.action_confirm()
        self.assertEqual(result["res_id"], wizard.id)
        self.assertIn(picking.name, wizard.result)
