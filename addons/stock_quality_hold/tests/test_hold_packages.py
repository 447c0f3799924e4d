from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestHoldPackages(QualityHoldCase):
    """A pallet put on hold goes to the bucket as a pallet, and comes back as one."""

    def packed(self, name, lines):
        """A package in WH/Stock holding ``lines`` [(product, qty, lot)]."""
        package = self.env["stock.quant.package"].create({"name": name})
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        for product, qty, lot in lines:
            Quant.create(
                {
                    "product_id": product.id,
                    "location_id": self.stock.id,
                    "lot_id": lot.id if lot else False,
                    "package_id": package.id,
                    "inventory_quantity": qty,
                }
            ).action_apply_inventory()
        return package

    def test_a_whole_package_keeps_its_package_both_ways(self):
        lot = self.lot("LOT-PAL")
        package = self.packed("PAL-1", [(self.lot_product, 12, lot)])
        self.hold(package.quant_ids)
        qa_hold = self.warehouse.qa_hold_location_id
        self.assertEqual(package.location_id, qa_hold)
        self.assertEqual(self.quants(self.lot_product, qa_hold, lot).package_id, package)
        self.release(package.quant_ids)
        self.assertEqual(package.location_id, self.stock)
        self.assertEqual(package.quant_ids.filtered("quantity").quantity, 12)

    def test_part_of_a_package_or_a_mixed_package_is_unpacked(self):
        package = self.packed("PAL-2", [(self.product, 10, None)])
        self.hold(package.quant_ids, quantity=4)
        qa_hold = self.warehouse.qa_hold_location_id
        held = self.quants(self.product, qa_hold)
        self.assertEqual((held.quantity, held.package_id), (4, package.browse()))
        self.assertEqual(package.location_id, self.stock)
        mixed = self.packed(
            "PAL-3", [(self.product, 2, None), (self.lot_product, 3, self.lot("LOT-MIX"))]
        )
        gaskets = mixed.quant_ids.filtered(lambda q: q.product_id == self.product)
        self.hold(gaskets)
        self.assertEqual(self.qty(self.product, qa_hold), 6)
        self.assertFalse(self.quants(self.product, qa_hold).package_id)
        self.assertEqual(mixed.location_id, self.stock)
