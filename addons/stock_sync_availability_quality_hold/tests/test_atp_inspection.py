"""Receipts inspected on receipt count in ATP only once released: hand-computed cases."""

from odoo.tests import new_test_user, tagged

from odoo.addons.stock_sync_availability.tests.common import AvailabilityCase

from ..models.product_product import INSPECTED_RECEIPT_SQL


@tagged("post_install", "-at_install")
class TestAtpInspectedReceipts(AvailabilityCase):
    """Per product: 10 on hand in WH/Stock, a receipt of 20 tomorrow, a delivery of 25 in 3 days.

    Counted as Odoo's forecast does, ATP now = min(10, 10 + 20, 10 + 20 - 25) = 5.
    Without the receipt (inspected): min(10, 10 - 25) = -15, until the 20 are released.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env,
            "atp_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock_sync.group_stock_sync_user",
        )
        cls.categ_pharma = cls.env["product.category"].create(
            {"name": "Pharma", "quality_inspect_on_receipt": True}
        )
        cls.categ_api = cls.env["product.category"].create(
            {"name": "Active ingredients", "parent_id": cls.categ_pharma.id}
        )

        def product(code, **vals):
            return cls.env["product.product"].create(
                dict({"name": code, "default_code": code, "is_storable": True}, **vals)
            )

        # inspected through a parent category, through its own flag; not inspected
        cls.by_category = product("INSP-CATEG", categ_id=cls.categ_api.id)
        cls.by_flag = product("INSP-FLAG", quality_inspect_on_receipt=True)
        cls.plain = product("PLAIN-1")
        cls.receipts = {}
        for item in cls.by_category | cls.by_flag | cls.plain:
            cls.set_on_hand(item, 10)
            cls.receipts[item] = cls.planned_receipt(item, 20, 1)
            cls.plan_move(item, 25, cls.stock, cls.customer_loc, 3)
        cls.reason_passed = cls.env.ref("stock_quality_hold.reason_inspection_passed")

    @classmethod
    def planned_receipt(cls, product, qty, offset, warehouse=None, source=None):
        """A confirmed receipt (the warehouse's receipt operation) of ``qty`` on day ``offset``."""
        warehouse = warehouse or cls.warehouse
        picking_type = warehouse.in_type_id
        picking = cls._picking(
            picking_type,
            [(product, qty)],
            source or cls.supplier_loc,
            picking_type.default_location_dest_id,
        )
        picking.action_confirm()
        picking.move_ids.date = cls.day(offset)
        return picking

    def atp(self, product, warehouse=None):
        warehouse = warehouse or self.warehouse
        return product.with_user(self.planner)._atp(warehouse, 30)[product.id, warehouse.id]

    def test_plain_receipt_counts(self):
        row = self.atp(self.plain)
        self.assertEqual((row.on_hand, row.incoming, row.demand, row.atp), (10, 20, 25, 5))

    def test_inspected_receipts_do_not_count(self):
        for product in self.by_category | self.by_flag:
            row = self.atp(product)
            self.assertEqual(
                (row.on_hand, row.incoming, row.demand, row.atp),
                (10, 0, 25, -15),
                product.default_code,
            )
            self.assertEqual([(d.projected, d.atp) for d in row.days], [(10, -15), (-15, -15)])

    def test_counted_once_released(self):
        """Validated: the 20 wait in QA hold, ATP unchanged; released: ATP 5, as for a plain receipt."""
        receipt = self.receipts[self.by_category].with_user(self.operator)
        receipt.move_ids.write({"quantity": 20, "picked": True})
        receipt.button_validate()
        qa_hold = self.warehouse.qa_hold_location_id
        held = self.env["stock.quant"].search(
            [("product_id", "=", self.by_category.id), ("location_id", "=", qa_hold.id)]
        )
        self.assertEqual(sum(held.mapped("quantity")), 20)
        row = self.atp(self.by_category)
        self.assertEqual((row.on_hand, row.incoming, row.atp), (10, 0, -15))

        held.with_user(self.quality_manager)._quality_action("release", self.reason_passed)
        row = self.atp(self.by_category)
        self.assertEqual((row.on_hand, row.incoming, row.demand, row.atp), (30, 0, 25, 5))
        self.assertOutboxMatchesStockLedger()

    def test_channel_shows_no_unreleased_receipt(self):
        channel = self.make_channel("Inspection shop", self.warehouse, buffer_value=0)
        quantities = channel.with_user(self.planner)._quantities(self.by_flag | self.plain)
        self.assertEqual(quantities[self.plain.id]["quantity"], 5)
        self.assertEqual(quantities[self.by_flag.id]["quantity"], 0)
        self.assertEqual(quantities[self.by_flag.id]["shortfall"], 15)

    def test_two_step_receipt_and_returns(self):
        """WH2 receives in two steps (vendor -> Input -> Stock): the first step is the inspected one.

        In WH2: nothing on hand; a receipt of 8 tomorrow (to WH2/Input), a customer
        return of 3 in 2 days, a transfer of 4 from WH/Stock in 2 days (not inspected:
        stock moving between the company's warehouses), a delivery of 6 in 5 days.
        Inspected: min(0, 4, 4 - 6) = -2; plain: min(0, 8, 15, 9) = 0.
        """
        self.warehouse2.reception_steps = "two_steps"
        for product in self.by_flag | self.plain:
            self.planned_receipt(product, 8, 1, self.warehouse2)
            self.planned_receipt(product, 3, 2, self.warehouse2, self.customer_loc)
            self.plan_move(product, 4, self.stock, self.warehouse2.lot_stock_id, 2)
            self.plan_move(product, 6, self.warehouse2.lot_stock_id, self.customer_loc, 5)
        inspected = self.atp(self.by_flag, self.warehouse2)
        self.assertEqual((inspected.incoming, inspected.demand, inspected.atp), (4, 6, -2))
        plain = self.atp(self.plain, self.warehouse2)
        self.assertEqual((plain.incoming, plain.demand, plain.atp), (15, 6, 0))

    def test_same_rule_as_the_receipt(self):
        """The SQL leaves out exactly the open moves that stock_quality_hold sends to QA hold."""
        self.warehouse2.reception_steps = "two_steps"
        for product in self.by_category | self.by_flag | self.plain:
            self.planned_receipt(product, 8, 1, self.warehouse2)
            self.planned_receipt(product, 3, 2, self.warehouse2, self.customer_loc)
            self.plan_move(product, 4, self.stock, self.warehouse2.lot_stock_id, 2)
        moves = self.env["stock.move"].search(
            [
                ("product_id", "in", (self.by_category | self.by_flag | self.plain).ids),
                ("state", "not in", ("done", "cancel")),
            ]
        )
        self.assertGreaterEqual(len(moves), 15)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT m.id FROM stock_move m"
            "  JOIN stock_location sl ON sl.id = m.location_id"
            "  JOIN stock_location dl ON dl.id = m.location_dest_id"
            f" WHERE m.id = ANY(%(ids)s) AND {INSPECTED_RECEIPT_SQL}",
            {"ids": moves.ids},
        )
        excluded = {row[0] for row in self.env.cr.fetchall()}
        expected = {move.id for move in moves if move._quality_receipt_bucket()}
        self.assertEqual(excluded, expected)
        self.assertEqual(len(expected), 6, "receipts and returns of the two inspected products")
