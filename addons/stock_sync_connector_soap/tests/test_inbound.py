"""Inbound pull: the MES's confirmations polled page by page and applied to MOs.

Applied by the apply cron as the connector's inbound user (least privilege:
a stock manager's and a manufacturing user's rights, nothing of the sync's
configuration); every MO scenario ends with the ledger invariant.
"""

from odoo import Command
from odoo.tests import tagged

from .common import MesCase


@tagged("post_install", "-at_install")
class TestInbound(MesCase):
    def setUp(self):
        super().setUp()
        self.backend.write({"poll_enabled": True, "poll_page_size": 2, "poll_cursor": False})
        self.stock_components()

    def test_an_order_confirmed_by_the_mes(self):
        production = self.new_production(5)
        name = production.name
        c1 = self.sim.confirm("consumption", name, "EXT-API", 3, unit="EA", location="WH-STOCK")
        self.sim.republish(c1)  # delivered twice by the MES
        self.sim.confirm("production", name, "EXT-TAB", 5)
        self.assertEqual(self.poll_and_apply(), 2, "two pages of two, the last one short")
        self.assertEqual(self.backend.poll_cursor, "3")
        records = self.inbound()
        self.assertEqual(records.mapped("state"), ["done", "duplicate", "done"])
        self.assertEqual(
            records.mapped("event_type"),
            ["consumption_confirmed"] * 2 + ["production_confirmed"],
        )
        self.assertEqual(records.production_id, production)
        self.assertEqual(production.state, "done")
        self.assertEqual(self.on_hand(self.tablet), 5)
        self.assertEqual(self.on_hand(self.product), 90, "3 consumed first, the rest at the end")
        self.assertEqual(self.on_hand(self.carton), 95)
        self.assertEqual(
            records[2].move_ids.filtered(lambda m: m.product_id == self.tablet).quantity, 5
        )
        self.assertEqual(self.poll_and_apply(), 0, "nothing new")
        self.assertOutboxMatchesStockLedger()

    def test_a_partial_production_goes_on_in_the_backorder(self):
        production = self.new_production(5)
        self.sim.confirm("production", production.name, "EXT-TAB", 2)
        self.sim.confirm("production", production.name, "EXT-TAB", 3)
        self.poll_and_apply()
        first, rest = self.inbound()
        self.assertEqual((first.state, rest.state), ("done", "done"), rest.error)
        self.assertEqual(first.production_id, production)
        self.assertNotEqual(rest.production_id, production, "Odoo's backorder carried the rest")
        self.assertEqual(production.name[-4:], "-001", "Odoo renamed the order it split")
        self.assertEqual((production | rest.production_id).mapped("state"), ["done", "done"])
        self.assertEqual(self.on_hand(self.tablet), 5)
        self.assertEqual(self.on_hand(self.product), 90)
        self.assertEqual(self.on_hand(self.carton), 95)
        self.assertOutboxMatchesStockLedger()

    def test_out_of_order_is_refused_without_writing(self):
        production = self.new_production(5)
        self.sim.confirm("consumption", production.name, "EXT-API", 2, sequence=2)
        moves = self.moves_count()
        self.sim.confirm("consumption", production.name, "EXT-API", 1, sequence=1)
        self.poll_and_apply()
        first, late = self.inbound()
        self.assertEqual(first.state, "done")
        self.assertEqual(late.state, "rejected")
        self.assertIn("Out of order", late.error)
        self.assertIn("sequence 2", late.error)
        self.assertGreaterEqual(self.moves_count(), moves)
        self.assertEqual(self.on_hand(self.product), 98, "only the first consumption")
        self.assertOutboxMatchesStockLedger()

    def test_unmapped_sku_location_and_unit_wait_then_apply(self):
        production = self.new_production(1)
        self.sim.confirm("consumption", production.name, "EXT-NEW", 1)
        self.sim.confirm("consumption", production.name, "EXT-API", 1, location="LINE-9")
        self.sim.confirm("consumption", production.name, "EXT-API", 1, unit="PAIR")
        moves = self.moves_count()
        self.poll_and_apply()
        sku, location, unit = self.inbound()
        self.assertEqual(self.inbound().mapped("state"), ["waiting_mapping"] * 3)
        self.assertEqual(sku.missing_mapping, "external SKU 'EXT-NEW'")
        self.assertEqual(location.missing_mapping, "external location 'LINE-9'")
        self.assertEqual(unit.missing_mapping, "external unit 'PAIR'")
        self.assertEqual(self.moves_count(), moves, "nothing half-applied")
        self.env["stock.sync.xref.uom"].create(
            {
                "backend_id": self.backend.id,
                "external_code": "PAIR",
                "uom_id": self.product.uom_id.id,
                "factor": 2,
            }
        )
        self.apply()
        self.assertEqual(unit.state, "done", "reprocessed when the mapping exists")
        self.assertEqual(self.on_hand(self.product), 98)
        self.assertOutboxMatchesStockLedger()

    def test_bad_confirmations_are_rejected_with_the_reason(self):
        production = self.new_production(2)
        company_b = self.env["res.company"].create({"name": "Other Plant"})
        other = (
            self.env["mrp.production"]
            .with_company(company_b)
            .create(
                {
                    "product_id": self.tablet.id,
                    "bom_id": self.bom.id,
                    "product_qty": 1,
                    "company_id": company_b.id,
                }
            )
        )
        other.action_confirm()
        name = production.name
        cases = [
            ("consumption", name, "EXT-API", -1, {}, "'data.quantity' must be more than 0"),
            ("consumption", other.name, "EXT-API", 1, {}, "belongs to Other Plant"),
            ("consumption", "WH/MO/NOPE", "EXT-API", 1, {}, "No manufacturing order WH/MO/NOPE"),
            ("consumption", name, "EXT-API", 1, {"unit": "KG"}, "fix the unit mapping"),
            ("production", name, "EXT-API", 1, {}, "makes [TAB-1] Tablet, not [API-001]"),
            ("rework", name, "EXT-API", 1, {}, "Unknown event type"),
            ("scrap", None, "EXT-API", 1, {}, "needs 'data.order' or 'data.location'"),
        ]
        for kind, order, sku, qty, extra, _message in cases:
            self.sim.confirm(kind, order, sku, qty, **extra)
        moves = self.moves_count()
        self.poll_and_apply()
        records = self.inbound()
        self.assertEqual(records.mapped("state"), ["rejected"] * len(cases))
        for record, case in zip(records, cases, strict=True):
            self.assertIn(case[-1], record.error)
        self.assertEqual(self.moves_count(), moves, "nothing half-applied")
        self.assertEqual(other.state, "confirmed")
        self.assertEqual(self.on_hand(self.product), 100)
        self.assertOutboxMatchesStockLedger()

    def test_a_done_order_and_a_component_not_on_it(self):
        production = self.new_production(1)
        self.sim.confirm("production", production.name, "EXT-TAB", 1)
        self.sim.confirm("consumption", production.name, "EXT-RES", 1, lot="L1")
        self.sim.confirm("production", production.name, "EXT-TAB", 1)
        self.poll_and_apply()
        done, foreign, late = self.inbound()
        self.assertEqual(done.state, "done")
        self.assertEqual(foreign.state, "rejected")
        self.assertEqual(late.state, "rejected")
        self.assertIn("is Done", late.error)
        self.assertEqual(self.on_hand(self.tablet), 1)
        self.assertOutboxMatchesStockLedger()

    def test_consumption_beyond_stock_is_held_with_an_activity(self):
        production = self.new_production(1)
        self.sim.confirm("consumption", production.name, "EXT-API", 500)
        moves = self.moves_count()
        self.poll_and_apply()
        held = self.inbound()
        self.assertEqual(held.state, "held_negative")
        self.assertIn("would leave -400", held.error)
        self.assertEqual(held.activity_ids.user_id, self.stock_manager)
        self.assertEqual(self.moves_count(), moves)
        self.assertOutboxMatchesStockLedger()

    def test_scraps_with_and_without_an_order(self):
        production = self.new_production(2)
        self.sim.confirm("scrap", production.name, "EXT-BOX", 2)
        self.sim.confirm("scrap", None, "EXT-API", 4, location="WH-STOCK")
        self.poll_and_apply()
        on_order, loose = self.inbound()
        self.assertEqual((on_order.state, loose.state), ("done", "done"))
        self.assertEqual(on_order.scrap_ids.production_id, production)
        self.assertEqual(on_order.scrap_ids.state, "done")
        self.assertEqual(self.on_hand(self.carton), 98)
        self.assertEqual(self.on_hand(self.product), 96)
        self.assertOutboxMatchesStockLedger()

    def test_faults_on_polling_keep_the_cursor(self):
        production = self.new_production(1)
        self.sim.confirm("consumption", production.name, "EXT-API", 1)
        for mode in ("soap_fault", "malformed", "invalid", "status"):
            self.sim.fault(mode)
            self.assertEqual(self.backend._poll(), 0, mode)
            self.assertFalse(self.backend.poll_cursor)
        self.assertIn(
            "GetConfirmations of Test MES (simulator) failed", self.backend.message_ids[0].body
        )
        self.assertEqual(self.poll_and_apply(), 1)
        self.assertEqual(self.backend.poll_cursor, "1")
        self.assertEqual(self.inbound().state, "done")
        self.assertOutboxMatchesStockLedger()

    def test_lot_tracked_component(self):
        self.receive([(self.lot_product, 10)], lot_names=["RES-A"])
        self.bom.bom_line_ids = [
            Command.create({"product_id": self.lot_product.id, "product_qty": 1})
        ]
        production = self.new_production(1)
        self.sim.confirm("consumption", production.name, "EXT-RES", 1, lot="RES-A")
        self.sim.confirm("consumption", production.name, "EXT-RES", 1, lot="RES-ZZ")
        self.poll_and_apply()
        good, unknown = self.inbound()
        self.assertEqual(good.state, "done", good.error)
        self.assertEqual(unknown.state, "rejected")
        self.assertIn("Lot RES-ZZ", unknown.error)
        self.assertOutboxMatchesStockLedger()
