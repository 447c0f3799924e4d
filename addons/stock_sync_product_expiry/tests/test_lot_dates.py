from datetime import datetime

from odoo.tests import tagged

from odoo.addons.stock_sync.tests.common import StockSyncCase


@tagged("post_install", "-at_install")
class TestLotDates(StockSyncCase):
    def test_removal_date_change_emits_a_lot_event(self):
        self.lot_product.use_expiration_date = True
        lot = self.env["stock.lot"].create({"name": "EXP-1", "product_id": self.lot_product.id})
        Event = self.env["stock.sync.event"]
        before = Event.search_count([("lot_id", "=", lot.id)])
        lot.with_user(self.stock_manager).removal_date = datetime(2027, 3, 1, 12, 0)
        event = Event.search([("lot_id", "=", lot.id)], limit=1)
        self.assertEqual(Event.search_count([("lot_id", "=", lot.id)]), before + 1)
        data = event.payload["data"]
        self.assertEqual(data["changed"], ["removal_date"])
        self.assertEqual(data["values"]["removal_date"], "2027-03-01T12:00:00")
        self.assertIn("expiration_date", data["values"])
