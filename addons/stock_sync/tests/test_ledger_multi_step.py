"""Multi-step routes: 2- and 3-step receipts and deliveries of the warehouse."""

from odoo.tests import tagged

from .scenario_common import LedgerScenarioCase


@tagged("post_install", "-at_install")
class TestLedgerMultiStep(LedgerScenarioCase):
    def _receive_in_steps(self, steps, lines, **validate_kwargs):
        self.warehouse.reception_steps = steps
        receipt = self.new_picking(
            self.warehouse.in_type_id,
            lines,
            self.supplier_loc,
            self.warehouse.in_type_id.default_location_dest_id,
        )
        self.validate(receipt, **validate_kwargs)
        return self._follow(receipt)

    def _follow(self, picking):
        """Validate the chained transfers after ``picking``, in order; return them all."""
        done = picking
        following = picking.move_ids.move_dest_ids.picking_id
        while following:
            for step in following:
                self.validate(step, backorder=False)
            done |= following
            following = following.move_ids.move_dest_ids.picking_id.filtered(
                lambda p: p.state not in ("done", "cancel")
            )
        return done

    def _deliver_in_steps(self, steps, lines):
        self.warehouse.delivery_steps = steps
        group = self.env["procurement.group"].create({"name": f"SO-{steps}"})
        Procurement = self.env["procurement.group"].Procurement
        self.env["procurement.group"].with_user(self.operator).run(
            [
                Procurement(
                    product,
                    qty,
                    product.uom_id,
                    self.customer_loc,
                    product.name,
                    group.name,
                    self.company,
                    {"group_id": group, "warehouse_id": self.warehouse},
                )
                for product, qty in lines
            ]
        )
        first = group.stock_move_ids.filtered(lambda m: not m.move_orig_ids).picking_id
        self.assertTrue(first)
        return self._follow(self.validate(first))

    def test_two_step_receipt(self):
        pickings = self._receive_in_steps("two_steps", [(self.product, 5), (self.carton, 3)])
        self.assertEqual(len(pickings), 2)
        self.assertEqual(self.on_hand(self.product, self.stock), 5)
        self.assertOutboxMatchesStockLedger()

    def test_three_step_receipt_with_lots(self):
        pickings = self._receive_in_steps(
            "three_steps", [(self.lot_product, 6)], lots={self.lot_product: [("M1", 6)]}
        )
        self.assertEqual(len(pickings), 3)
        self.assertEqual(self.on_hand(self.lot_product, self.stock), 6)
        self.assertOutboxMatchesStockLedger()

    def test_two_step_delivery(self):
        self.receive_into([(self.product, 10)])
        pickings = self._deliver_in_steps("pick_ship", [(self.product, 4)])
        self.assertEqual(len(pickings), 2)
        self.assertEqual(self.product.qty_available, 6)
        self.assertOutboxMatchesStockLedger()

    def test_three_step_delivery(self):
        self.receive_into([(self.product, 10), (self.carton, 5)])
        pickings = self._deliver_in_steps("pick_pack_ship", [(self.product, 4), (self.carton, 5)])
        self.assertEqual(len(pickings), 3)
        self.assertEqual(self.carton.qty_available, 0)
        self.assertOutboxMatchesStockLedger()
