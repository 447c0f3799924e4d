"""Fan-out routes with cached endpoint filters, never with stale ones."""

from odoo import Command
from odoo.tests import tagged

from .common import StockSyncCase


@tagged("post_install", "-at_install")
class TestRoutingCache(StockSyncCase):
    def _receivers(self, picking):
        return self.events_of(picking).delivery_ids.endpoint_id

    def test_endpoint_changes_in_the_same_transaction_route_the_next_capture(self):
        filtered = self.new_endpoint(
            "This warehouse", warehouse_ids=[Command.set(self.warehouse.ids)]
        )
        self.assertEqual(
            self._receivers(self.receive([(self.product, 1)])), self.endpoint | filtered
        )
        # Same endpoint row count, same filter row count: only the filter's target changes.
        other = self.env["stock.warehouse"].create({"name": "Other", "code": "OTH"})
        filtered.warehouse_ids = [Command.set(other.ids)]
        self.assertEqual(self._receivers(self.receive([(self.product, 1)])), self.endpoint)
        filtered.warehouse_ids = [Command.clear()]
        self.assertEqual(
            self._receivers(self.receive([(self.product, 1)])), self.endpoint | filtered
        )
        filtered.action_archive()
        self.assertEqual(self._receivers(self.receive([(self.product, 1)])), self.endpoint)
        newcomer = self.new_endpoint("Newcomer")
        self.assertEqual(
            self._receivers(self.receive([(self.product, 1)])), self.endpoint | newcomer
        )
        self.assertOutboxMatchesStockLedger()

    def test_location_filter_follows_a_moved_location(self):
        zone = self.env["stock.location"].create({"name": "Zone", "location_id": self.stock.id})
        bin_ = self.env["stock.location"].create({"name": "Bin", "location_id": zone.id})
        filtered = self.new_endpoint("Zone", location_ids=[Command.set(zone.ids)])
        moved = self.env["stock.location"].create({"name": "Hall", "location_id": self.stock.id})
        zone.location_id = moved  # the bin's path changes with it; the filter still holds
        picking = self._picking(
            self.warehouse.in_type_id, [(self.product, 2)], self.supplier_loc, bin_
        ).with_user(self.operator)
        picking.action_confirm()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(self._receivers(picking), self.endpoint | filtered)
        self.assertOutboxMatchesStockLedger()
