"""Done move lines edited afterwards: every edit that moves stock is an event."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerDoneLineEdits(LedgerScenarioCase):
    def test_move_quantity_raised_creates_a_done_line_and_its_event(self):
        picking = self.receive_into([(self.product, 10)])
        picking = self.unlock(picking)
        with self.capture_events() as captured:
            picking.move_ids.quantity = 12
        # Core adds a second done line for the extra 2: it is a receipt of 2.
        self.assertEqual(len(picking.move_line_ids), 2)
        self.assertEqual(self.product.qty_available, 12)
        self.assertEqual(captured.events.mapped("operation"), ["receipt"])
        data = captured.events.payload["data"]
        self.assertEqual(data["quantity"], 2.0)
        self.assertEqual(data["location_to"]["on_hand"], 12.0)
        self.assertOutboxMatchesStockLedger()
        # Back to 10: one correction, and the ledger still agrees.
        with self.capture_events() as captured:
            picking.move_ids.quantity = 10
        self.assertEqual(set(captured.events.mapped("operation")), {"correction"})
        self.assertEqual(self.product.qty_available, 10)
        self.assertOutboxMatchesStockLedger()

    def test_line_quantity_up_and_down(self):
        picking = self.receive_into([(self.product, 10)])
        line = picking.move_line_ids.with_user(self.stock_manager)
        for quantity in (15, 4):
            with self.capture_events() as captured:
                line.quantity = quantity
            self.assertEqual(captured.events.operation, "correction")
            self.assertEqual(captured.events.payload["data"]["quantity"], quantity)
            self.assertEqual(self.product.qty_available, quantity)
        self.assertOutboxMatchesStockLedger()

    def test_line_quantity_in_another_unit(self):
        picking = self.receive_into([(self.product, 24)])
        line = picking.move_line_ids.with_user(self.stock_manager)
        line.write({"product_uom_id": self.dozen.id, "quantity": 3})
        self.assertEqual(self.product.qty_available, 36)
        self.assertOutboxMatchesStockLedger()

    def test_destination_and_source_locations(self):
        self.receive_into([(self.product, 10)])
        picking = self.internal([(self.product, 6)], self.stock, self.shelf)
        line = picking.move_line_ids.with_user(self.stock_manager)
        with self.capture_events() as captured:
            line.location_dest_id = self.bin
        previous = captured.events.payload["data"]["correction"]["previous"]
        self.assertEqual(previous["location_to"]["id"], self.shelf.id)
        self.assertEqual(self.on_hand(self.product, self.bin), 6)
        line.location_id = self.shelf  # taken from where it went: shelf → bin
        self.assertOutboxMatchesStockLedger()

    def test_lot_owner_and_packages(self):
        picking = self.receive_into([(self.lot_product, 8)], lots={self.lot_product: [("A", 8)]})
        line = picking.move_line_ids.with_user(self.stock_manager)
        other_lot = self.env["stock.lot"].create({"name": "B", "product_id": self.lot_product.id})
        package = self.env["stock.quant.package"].create({"name": "PACK-EDIT"})
        with self.capture_events() as captured:
            line.lot_id = other_lot
        self.assertEqual(captured.events.payload["data"]["lot"]["name"], "B")
        self.assertOutboxMatchesStockLedger()
        line.result_package_id = package
        self.assertEqual(self.on_hand(self.lot_product, self.stock, package_id=package), 8)
        self.assertOutboxMatchesStockLedger()
        line.owner_id = self.consignor
        self.assertEqual(self.on_hand(self.lot_product, self.stock, owner_id=self.consignor), 8)
        self.assertOutboxMatchesStockLedger()
        line.write({"owner_id": False, "result_package_id": False, "quantity": 5})
        self.assertOutboxMatchesStockLedger()

    def test_source_package_of_a_done_delivery(self):
        first, second = self.env["stock.quant.package"].create(
            [{"name": "PACK-SRC-1"}, {"name": "PACK-SRC-2"}]
        )
        self.count(self.product, self.stock, 5, package_id=first)
        self.count(self.product, self.stock, 5, package_id=second)
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.product, 2)], self.stock, self.customer_loc
        )
        delivery = self.validate(delivery)
        line = delivery.move_line_ids.with_user(self.stock_manager)
        other = second if line.package_id == first else first
        with self.capture_events() as captured:
            line.package_id = other
        self.assertEqual(captured.events.payload["data"]["package"]["id"], other.id)
        self.assertEqual(self.on_hand(self.product, self.stock, package_id=other), 3)
        self.assertOutboxMatchesStockLedger()

    def test_quant_id_on_a_done_line(self):
        """Core expands quant_id into lot, location, package and owner after the write hook."""
        self.receive_into([(self.lot_product, 5)], lots={self.lot_product: [("Q1", 5)]})
        self.receive_into(
            [(self.lot_product, 4)], destination=self.shelf, lots={self.lot_product: [("Q2", 4)]}
        )
        delivery = self.new_picking(
            self.warehouse.out_type_id, [(self.lot_product, 3)], self.stock, self.customer_loc
        )
        delivery = self.validate(delivery)
        self.assertEqual(delivery.move_line_ids.lot_id.name, "Q1")
        shelf_quant = self.quant(self.lot_product, self.shelf)
        line = delivery.move_line_ids.with_user(self.stock_manager)
        with self.capture_events() as captured:
            line.quant_id = shelf_quant
        self.assertEqual((line.location_id, line.lot_id.name), (self.shelf, "Q2"))
        self.assertEqual(captured.events.operation, "correction")
        data = captured.events.payload["data"]
        self.assertEqual((data["location_from"]["id"], data["lot"]["name"]), (self.shelf.id, "Q2"))
        self.assertEqual(data["correction"]["previous"]["lot"]["name"], "Q1")
        self.assertEqual(self.on_hand(self.lot_product, self.shelf), 1)
        self.assertEqual(self.on_hand(self.lot_product, self.stock), 5)
        self.assertOutboxMatchesStockLedger()

    def test_edit_back_and_forth_in_one_write_emits_nothing(self):
        picking = self.receive_into([(self.product, 10)])
        line = picking.move_line_ids.with_user(self.stock_manager)
        with self.capture_events() as captured:
            line.write({"quantity": 10, "location_dest_id": self.stock.id})
        self.assertFalse(captured.events)
        self.assertOutboxMatchesStockLedger()
