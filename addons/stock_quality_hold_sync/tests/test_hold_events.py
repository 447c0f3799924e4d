from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, StockSyncCase

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestHoldEvents(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env,
            "qhs_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot",
        )
        cls.operator.groups_id = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        cls.reason = cls.env.ref("stock_quality_hold.reason_suspect")
        cls.reason_passed = cls.env.ref("stock_quality_hold.reason_inspection_passed")
        cls.reason_failed = cls.env.ref("stock_quality_hold.reason_inspection_failed")
        cls.warehouse2 = cls.env["stock.warehouse"].create(
            {"name": "Sync Second Warehouse", "code": "SWH2", "company_id": cls.company.id}
        )

    def quant(self, product, location, lot=None):
        return self.env["stock.quant"].search(
            [
                ("product_id", "=", product.id),
                ("location_id", "=", location.id),
                ("lot_id", "=", lot.id if lot else False),
            ]
        )

    def test_hold_release_reject_emit_hold_events_beside_the_movements(self):
        self.receive([(self.lot_product, 10)], lot_names=["RES-LOT-1"])
        lot = self.env["stock.lot"].search([("name", "=", "RES-LOT-1")])
        quarantine = self.warehouse.quarantine_location_id
        with self.capture_events() as captured:
            self.quant(self.lot_product, self.stock, lot).with_user(self.operator)._quality_action(
                "hold", self.reason, bucket="quarantine", quantity=6, note="Smells odd"
            )
        hold = captured.of_type(HOLD_TYPE)
        self.assertEqual(len(hold), 1)
        self.assertEqual(hold.operation, "hold")
        self.assertEqual(hold.aggregatetype, "stock.quality")
        self.assertEqual(hold.lot_id, lot)
        data = hold.payload["data"]
        self.assertEqual(
            {k: data[k] for k in ("action", "bucket", "lot_status", "quantity", "note")},
            {
                "action": "hold",
                "bucket": "quarantine",
                "lot_status": "quarantined",
                "quantity": 6,
                "note": "Smells odd",
            },
        )
        self.assertEqual(
            data["location_from"], {"id": self.stock.id, "name": "WH/Stock", "bucket": None}
        )
        self.assertEqual(data["location_to"]["bucket"], "quarantine")
        self.assertEqual(data["location_to"]["id"], quarantine.id)
        self.assertEqual(data["reason"], {"code": "suspect", "name": self.reason.name})
        self.assertEqual(data["lot"], {"id": lot.id, "name": "RES-LOT-1"})
        self.assertEqual(data["warehouse"]["code"], self.warehouse.code)
        self.assertEqual(data["user"]["id"], self.operator.id)
        # the move itself is a movement event: the ledger stays whole
        movement = captured.of_type(MOVEMENT_TYPE)
        self.assertEqual(len(movement), 1)
        self.assertEqual(movement.payload["data"]["location_to"]["id"], quarantine.id)
        self.assertEqual(movement.payload["data"]["move_id"], data["move_id"])
        # release 4, reject the other 2
        held = self.quant(self.lot_product, quarantine, lot).with_user(self.quality_manager)
        with self.capture_events() as captured:
            held._quality_action("release", self.reason_passed, quantity=4)
        data = captured.of_type(HOLD_TYPE).payload["data"]
        self.assertEqual(
            (data["action"], data["bucket"], data["lot_status"], data["quantity"]),
            ("release", "quarantine", "quarantined", 4),
        )
        self.assertEqual(data["location_to"]["id"], self.stock.id)
        with self.capture_events() as captured:
            held._quality_action("reject", self.reason_failed)
        event = captured.of_type(HOLD_TYPE)
        self.assertEqual(event.operation, "reject")
        self.assertEqual(
            (event.payload["data"]["bucket"], event.payload["data"]["lot_status"]),
            ("rejected", "rejected"),
        )
        self.assertEqual(len(captured.of_type(MOVEMENT_TYPE)), 1)
        self.assertOutboxMatchesStockLedger()

    def test_recall_across_warehouses_and_untracked_release(self):
        self.receive([(self.lot_product, 5)], lot_names=["RES-RECALL"])
        lot = self.env["stock.lot"].search([("name", "=", "RES-RECALL")])
        # move 2 of the lot to the second warehouse, through a done internal move
        self.quant(self.lot_product, self.stock, lot).with_user(self.operator)._quality_action(
            "hold", self.reason, quantity=2
        )
        self.quant(self.lot_product, self.warehouse.qa_hold_location_id, lot).with_user(
            self.quality_manager
        )._quality_action("release", self.reason_passed)
        picking = self._picking(
            self.warehouse.int_type_id,
            [(self.lot_product, 2)],
            self.stock,
            self.warehouse2.lot_stock_id,
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        picking.move_ids.move_line_ids = [
            Command.create(
                {
                    "product_id": self.lot_product.id,
                    "lot_id": lot.id,
                    "quantity": 2,
                    "picking_id": picking.id,
                    "location_id": self.stock.id,
                    "location_dest_id": self.warehouse2.lot_stock_id.id,
                }
            )
        ]
        picking.move_ids.picked = True
        picking.button_validate()
        self.receive([(self.product, 8)])
        with self.capture_events() as captured:
            histories, skipped = lot.with_user(self.operator).action_quality_recall(self.reason)
            self.quant(self.product, self.stock).with_user(self.operator)._quality_action(
                "hold", self.reason
            )
        self.assertFalse(skipped)
        holds = captured.of_type(HOLD_TYPE)
        self.assertEqual(len(holds), 3)
        self.assertEqual(
            sorted(e.payload["data"]["warehouse"]["code"] for e in holds[:2]),
            sorted([self.warehouse.code, self.warehouse2.code]),
        )
        self.assertEqual(holds[2].payload["data"]["lot"], None)
        self.assertEqual(holds[2].payload["data"]["lot_status"], None)
        with self.capture_events() as captured:
            self.quant(self.product, self.warehouse.qa_hold_location_id).with_user(
                self.quality_manager
            )._quality_action("release", self.reason_passed)
        self.assertEqual(captured.of_type(HOLD_TYPE).payload["data"]["action"], "release")
        self.assertEqual(len(histories), 2)
        self.assertOutboxMatchesStockLedger()

    def test_refused_action_emits_nothing(self):
        self.receive([(self.product, 3)])
        with self.capture_events() as captured, self.assertRaises(UserError):
            self.quant(self.product, self.stock).with_user(self.operator)._quality_action(
                "hold", self.reason, quantity=4
            )
        self.assertFalse(captured.events)
        self.assertOutboxMatchesStockLedger()
