"""Inspection on receipt, in one-, two- and three-step receipts of two warehouses.

Every scenario ends with the ledger invariant: the receipt into QA hold and
the release are real done moves, and the outbox replays to Odoo's ledger.
"""

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.stock_quality_hold.tests.common import validate_with_lots
from odoo.addons.stock_sync.tests.common import MOVEMENT_TYPE, StockSyncCase

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


@tagged("post_install", "-at_install")
class TestReceiptInspectionLedger(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator.groups_id = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        cls.quality_manager = new_test_user(
            cls.env,
            "qhr_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot",
        )
        cls.warehouse2 = cls.env["stock.warehouse"].create(
            {"name": "Receipt Second Warehouse", "code": "RWH2", "company_id": cls.company.id}
        )
        cls.serial_product = cls.env["product.product"].create(
            {
                "name": "Serial sensor",
                "is_storable": True,
                "tracking": "serial",
                "default_code": "SN-1",
                "quality_inspect_on_receipt": True,
            }
        )
        # untracked, inspected through its category; lots through the product; cartons not
        cls.categ_critical.quality_inspect_on_receipt = True
        cls.lot_product.quality_inspect_on_receipt = True
        cls.reason_passed = cls.env.ref("stock_quality_hold.reason_inspection_passed")

    def receive_into(self, warehouse, lines, user):
        """Validate a receipt of ``lines`` [(product, qty, lot names or None)] as ``user``."""
        picking_type = warehouse.in_type_id
        destination = picking_type.default_location_dest_id
        picking = self._picking(
            picking_type,
            [(product, qty) for product, qty, _lots in lines],
            self.supplier_loc,
            destination,
        ).with_user(user)
        validate_with_lots(picking, [lots for _product, _qty, lots in lines])
        self.assertEqual(picking.state, "done")
        return picking

    def validate(self, moves, user):
        """Validate the later steps of the receipt (the non-inspected products)."""
        picking = moves.picking_id.with_user(user)
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def test_one_two_three_step_receipts_in_two_warehouses(self):
        held_locations = self.warehouse.qa_hold_location_id | self.warehouse2.qa_hold_location_id
        for steps in ("one_step", "two_steps", "three_steps"):
            with self.subTest(steps=steps):
                (self.warehouse | self.warehouse2).reception_steps = steps
                for warehouse in (self.warehouse, self.warehouse2):
                    tag = f"{warehouse.code}-{steps}"
                    with self.capture_events() as captured:
                        picking = self.receive_into(
                            warehouse,
                            [
                                (self.product, 5, None),
                                (self.lot_product, 6, [f"L1-{tag}", f"L2-{tag}"]),
                                (self.serial_product, 2, [f"S1-{tag}", f"S2-{tag}"]),
                                (self.carton, 4, None),
                            ],
                            self.operator,
                        )
                    qa_hold = warehouse.qa_hold_location_id
                    inspected = picking.move_ids.filtered(lambda m: m.product_id != self.carton)
                    carton = picking.move_ids - inspected
                    self.assertEqual(inspected.location_dest_id, qa_hold)
                    self.assertFalse(inspected.move_dest_ids, "no later step for held stock")
                    # five held move lines: one untracked, two lots, two serials
                    holds = captured.of_type(HOLD_TYPE)
                    self.assertEqual(len(holds), 5)
                    for event in holds:
                        data = event.payload["data"]
                        self.assertEqual(
                            (data["action"], data["bucket"], data["reason"]["code"]),
                            ("hold", "qa_hold", "inspection_on_receipt"),
                        )
                        self.assertEqual(data["location_from"]["id"], self.supplier_loc.id)
                        self.assertEqual(data["location_to"]["id"], qa_hold.id)
                        self.assertEqual(data["warehouse"]["code"], warehouse.code)
                        self.assertEqual(data["user"]["id"], self.operator.id)
                        self.assertEqual(data["lot_status"], None if not data["lot"] else "on_hold")
                    movements = captured.of_type(MOVEMENT_TYPE)
                    self.assertEqual(
                        sorted(
                            m.payload["data"]["location_to"]["id"]
                            for m in movements
                            if m.product_id != self.carton
                        ),
                        [qa_hold.id] * 5,
                    )
                    # the rest follows the warehouse's steps into stock
                    if steps == "one_step":
                        self.assertEqual(carton.location_dest_id, warehouse.lot_stock_id)
                    else:
                        self.assertEqual(carton.location_dest_id, warehouse.wh_input_stock_loc_id)
                        step = carton.move_dest_ids
                        while step:
                            self.validate(step, self.operator)
                            step = step.move_dest_ids
                    self.assertEqual(
                        self.carton.with_context(warehouse_id=warehouse.id).free_qty,
                        4 * (1 + ("one_step", "two_steps", "three_steps").index(steps)),
                    )
                    for product in (self.product, self.lot_product, self.serial_product):
                        self.assertEqual(
                            product.with_context(warehouse_id=warehouse.id).free_qty, 0
                        )
                    self.assertEqual(
                        set(picking.move_line_ids.lot_id.mapped("quality_status")), {"on_hold"}
                    )
                    self.assertOutboxMatchesStockLedger()
        # all of it held, 3 receipts per warehouse: 5 + 6 + 2 each time
        held = self.env["stock.quant"].search([("location_id", "in", held_locations.ids)])
        self.assertEqual(sum(held.mapped("quantity")), 2 * 3 * 13)
        # the quality manager releases it all: a release event per quant, stock available
        with self.capture_events() as captured:
            held.with_user(self.quality_manager)._quality_action("release", self.reason_passed)
        self.assertEqual(len(captured.of_type(HOLD_TYPE)), len(held))
        for warehouse in (self.warehouse, self.warehouse2):
            self.assertEqual(self.product.with_context(warehouse_id=warehouse.id).free_qty, 3 * 5)
            self.assertEqual(
                self.lot_product.with_context(warehouse_id=warehouse.id).free_qty, 3 * 6
            )
        lots = self.env["stock.lot"].search(
            [("product_id", "in", (self.lot_product | self.serial_product).ids)]
        )
        self.assertEqual(set(lots.mapped("quality_status")), {"released"})
        self.assertOutboxMatchesStockLedger()

    def test_a_receipt_validated_by_a_quality_manager_is_held_too(self):
        picking = self.receive_into(
            self.warehouse2, [(self.lot_product, 3, ["QM-L1"])], self.quality_manager
        )
        lot = picking.move_line_ids.lot_id
        self.assertEqual(lot.quality_status, "on_hold")
        self.assertEqual(
            lot.quality_hold_history_ids.user_id, self.quality_manager, "who received it"
        )
        self.assertEqual(self.lot_product.with_context(warehouse_id=self.warehouse2.id).free_qty, 0)
        self.assertOutboxMatchesStockLedger()
