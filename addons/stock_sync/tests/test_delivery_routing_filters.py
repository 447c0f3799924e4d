"""Two endpoints, one filtered: each gets what its filters select, and its ledger adds up."""

from odoo import Command
from odoo.tests import tagged

from .common import OutboxDeliveryCase


@tagged("post_install", "-at_install")
class TestDeliveryRoutingFilters(OutboxDeliveryCase):
    def test_filters_on_a_second_endpoint(self):
        mes = self.env["stock.sync.endpoint"].create(
            {
                "name": "MES",
                "url": self.receiver.url,
                "secret_ids": [Command.create({"secret": self.secret})],
                "product_categ_ids": [Command.set(self.categ_bulk.ids)],
                "cadence_bulk": "realtime",
            }
        )
        self.receive([(self.product, 1), (self.carton, 1)])
        self.dispatch()
        self.assertRecordValues(
            mes.delivery_ids, [{"state": "delivered", "product_id": self.carton.id}]
        )
        self.assertEqual(
            len(self.receiver.unique_events()), 2, "one receiver behind both endpoints"
        )
        self.assertEqual(self.receiver.duplicates, 1)
        self.assertOutboxMatchesStockLedger(endpoint=mes)
        self.assertOutboxMatchesStockLedger(endpoint=self.endpoint)
