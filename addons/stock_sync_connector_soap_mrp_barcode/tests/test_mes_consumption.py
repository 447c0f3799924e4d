"""The MES's consumption goes through the barcode-consumption service: one path, its log."""

from odoo.tests import tagged

from odoo.addons.stock_sync_connector_soap.tests.common import MesCase


@tagged("post_install", "-at_install")
class TestMesConsumptionByScanService(MesCase):
    def setUp(self):
        super().setUp()
        self.backend.write({"poll_enabled": True, "poll_cursor": False})
        self.stock_components()

    def scans(self, production):
        return self.env["mrp.barcode.scan"].search([("production_id", "=", production.id)])

    def test_consumption_is_posted_at_once_and_logged(self):
        production = self.new_production(2)
        confirmation = self.sim.confirm("consumption", production.name, "EXT-API", 3)
        self.poll_and_apply()
        record = self.inbound()
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.on_hand(self.product), 97, "posted now, before the order is done")
        self.assertEqual(record.move_ids.state, "done")
        self.assertEqual(record.move_ids.raw_material_production_id, production)
        scan = self.scans(production)
        self.assertRecordValues(
            scan,
            [
                {
                    "scan_id": f"mes-{self.backend.id}-{confirmation['Id']}",
                    "device_id": "MES Test MES (simulator)",
                    "user_id": self.inbound_user.id,
                }
            ],
        )
        # Applied again (a retry after a crash): answered from the scan log, nothing more.
        record.sudo()._set_state("received")
        self.apply()
        self.assertEqual(self.on_hand(self.product), 97)
        self.sim.confirm("production", production.name, "EXT-TAB", 2)
        self.poll_and_apply()
        self.assertEqual(production.state, "done")
        self.assertEqual(self.on_hand(self.product), 96, "the order consumed only the rest")
        self.assertOutboxMatchesStockLedger()

    def test_the_service_refusals_are_the_events_refusals(self):
        self.receive([(self.lot_product, 5)], lot_names=["RES-A"])
        self.env.company.scan_allow_unplanned = False
        production = self.new_production(1)
        self.sim.confirm("consumption", production.name, "EXT-RES", 1, lot="RES-A")
        self.sim.confirm("consumption", production.name, "EXT-BOX", 500)
        self.poll_and_apply()
        foreign, short = self.inbound()
        self.assertEqual(foreign.state, "rejected")
        self.assertIn("barcode-consumption service refused it (not_a_component)", foreign.error)
        self.assertEqual(short.state, "held_negative")
        self.assertEqual(self.on_hand(self.carton), 100)
        self.assertEqual(self.on_hand(self.lot_product), 5)
        self.assertOutboxMatchesStockLedger()
