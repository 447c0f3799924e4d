from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, StockSyncCase

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestDisposalEvents(StockSyncCase):
    """Scrap and return to vendor from rejected: a disposal event beside the movement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env,
            "qhs_disposal_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot",
        )
        cls.reason_failed = cls.env.ref("stock_quality_hold.reason_inspection_failed")
        cls.vendor = cls.env["res.partner"].create({"name": "Resin Works", "ref": "V-RW"})
        cls.scrap_loc = cls.env["stock.location"].search(
            [("scrap_location", "=", True), ("company_id", "=", cls.company.id)], limit=1
        )

    def rejected_lot(self, name, qty):
        receipt = self.receive([(self.lot_product, qty)], lot_names=[name])
        receipt.partner_id = self.vendor
        lot = self.env["stock.lot"].search([("name", "=", name)])
        lot.with_user(self.quality_manager).action_quality_reject(self.reason_failed)
        return lot, receipt

    def test_scrap_from_rejected_emits_a_disposal_event(self):
        lot, _receipt = self.rejected_lot("RES-SCRAP", 10)
        with self.capture_events() as captured:
            histories = lot.with_user(self.quality_manager).action_quality_scrap(
                self.reason_failed, note="Contaminated"
            )
        event = captured.of_type(HOLD_TYPE)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.operation, "scrap")
        self.assertEqual(event.lot_id, lot)
        data = event.payload["data"]
        self.assertEqual(
            {k: data[k] for k in ("action", "bucket", "lot_status", "quantity", "note")},
            {
                "action": "disposal",
                "bucket": "rejected",
                "lot_status": "rejected",
                "quantity": 10,
                "note": "Contaminated",
            },
        )
        scrap = histories.scrap_id
        self.assertEqual(
            data["disposal"],
            {
                "method": "scrap",
                "scrap": {"id": scrap.id, "name": scrap.name},
                "picking": None,
                "partner": None,
            },
        )
        self.assertEqual(data["location_from"]["bucket"], "rejected")
        self.assertEqual(
            data["location_to"],
            {
                "id": self.scrap_loc.id,
                "name": self.scrap_loc.complete_name,
                "bucket": None,
            },
        )
        # the scrap move itself is a movement event: the ledger stays whole
        movement = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(movement), 1)
        self.assertEqual(movement.operation, "scrap")
        self.assertEqual(movement.payload["data"]["move_id"], data["move_id"])
        self.assertOutboxMatchesStockLedger()

    def test_return_from_rejected_emits_a_disposal_event(self):
        lot, receipt = self.rejected_lot("RES-RET", 6)
        with self.capture_events() as captured:
            histories = lot.with_user(self.quality_manager).action_quality_return(
                self.reason_failed
            )
        event = captured.of_type(HOLD_TYPE)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.operation, "return")
        data = event.payload["data"]
        picking = histories.picking_id
        self.assertEqual(
            data["disposal"],
            {
                "method": "return",
                "scrap": None,
                "picking": {"id": picking.id, "name": picking.name},
                "partner": {"id": self.vendor.id, "name": "Resin Works", "ref": "V-RW"},
            },
        )
        self.assertEqual((data["action"], data["quantity"]), ("disposal", 6))
        self.assertEqual(data["location_to"]["id"], self.supplier_loc.id)
        movement = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(movement), 1)
        # linked to the receipt it returns: the outbox calls it a return
        self.assertEqual(movement.operation, "return")
        self.assertEqual(picking.move_ids.origin_returned_move_id, receipt.move_ids)
        self.assertOutboxMatchesStockLedger()

    def test_refused_disposal_emits_nothing(self):
        self.receive([(self.product, 4)])
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.stock.id)]
        )
        with self.capture_events() as captured, self.assertRaises(UserError):
            quant.with_user(self.quality_manager)._quality_dispose("scrap", self.reason_failed)
        self.assertFalse(captured.events)
        self.assertOutboxMatchesStockLedger()
