"""A correction reaches whoever received the line, and whoever its new state concerns.

The field failure behind this file: an endpoint filtered on Shelf 1 received
a receipt into Shelf 1; the done line was then corrected to Shelf 2, and the
correction was routed by its new locations only, so that endpoint kept
Shelf 1 at +5 for good.
"""

from odoo import Command
from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestCorrectionRouting(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shelf_2 = cls.env["stock.location"].create(
            {"name": "Shelf B", "location_id": cls.stock.id}
        )
        cls.warehouse_2 = cls.env["stock.warehouse"].create({"name": "Second", "code": "WH2"})

    def _receive_into(self, destination, product, qty):
        picking_type = destination.warehouse_id.in_type_id
        picking = self._picking(
            picking_type, [(product, qty)], self.supplier_loc, destination
        ).with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.write({"quantity": qty, "picked": True})
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _correct(self, picking, **vals):
        picking.move_line_ids.with_user(self.stock_manager).write(vals)

    def _endpoints_of(self, events):
        return events.delivery_ids.endpoint_id

    def test_location_filter_gets_the_correction_that_moves_out_of_it(self):
        shelf_1 = self.new_endpoint("Shelf 1", location_ids=[Command.set(self.shelf.ids)])
        shelf_2 = self.new_endpoint("Shelf 2", location_ids=[Command.set(self.shelf_2.ids)])
        picking = self._receive_into(self.shelf, self.product, 5)
        receipt = self.events_of(picking)
        self.assertEqual(self._endpoints_of(receipt), self.endpoint | shelf_1)
        self._correct(picking, location_dest_id=self.shelf_2.id)
        correction = self.events_of(picking) - receipt
        self.assertEqual(correction.operation, "correction")
        self.assertEqual(self._endpoints_of(correction), self.endpoint | shelf_1 | shelf_2)
        for endpoint in (self.endpoint, shelf_1, shelf_2):
            self.assertOutboxMatchesStockLedger(endpoint=endpoint)

    def test_warehouse_filter_gets_the_correction_that_moves_to_another_warehouse(self):
        first = self.new_endpoint("WH", warehouse_ids=[Command.set(self.warehouse.ids)])
        second = self.new_endpoint("WH2", warehouse_ids=[Command.set(self.warehouse_2.ids)])
        picking = self._receive_into(self.warehouse_2.lot_stock_id, self.product, 5)
        receipt = self.events_of(picking)
        self.assertEqual(self._endpoints_of(receipt), self.endpoint | second)
        self._correct(picking, location_dest_id=self.stock.id)
        correction = self.events_of(picking) - receipt
        self.assertEqual(self._endpoints_of(correction), self.endpoint | first | second)
        for endpoint in (self.endpoint, first, second):
            self.assertOutboxMatchesStockLedger(endpoint=endpoint)

    def test_category_and_company_filters_keep_receiving_the_lines_they_received(self):
        critical = self.new_endpoint(
            "APIs", product_categ_ids=[Command.set(self.categ_critical.ids)]
        )
        company = self.new_endpoint("Company", filter_company_ids=[Command.set(self.company.ids)])
        picking = self._receive_into(self.stock, self.product, 5)
        receipt = self.events_of(picking)
        self.assertEqual(self._endpoints_of(receipt), self.endpoint | critical | company)
        # The product leaves the category: what it already sent there is still
        # corrected there, or that subscriber would keep the old quantity.
        self.product.categ_id = self.categ_bulk
        self._correct(picking, quantity=3)
        correction = self.events_of(picking) - receipt
        self.assertEqual(self._endpoints_of(correction), self.endpoint | critical | company)
        # A new receipt of it no longer goes to the category's endpoint.
        later = self.events_of(self._receive_into(self.stock, self.product, 1))
        self.assertEqual(self._endpoints_of(later), self.endpoint | company)
        for endpoint in (self.endpoint, company):
            self.assertOutboxMatchesStockLedger(endpoint=endpoint)
