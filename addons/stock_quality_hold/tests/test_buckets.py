from odoo.tests import tagged

from .common import QualityHoldCase


@tagged("post_install", "-at_install")
class TestBuckets(QualityHoldCase):
    def test_existing_and_new_warehouses_get_three_buckets_outside_their_tree(self):
        for warehouse in self.warehouse | self.warehouse2:
            buckets = (
                warehouse.qa_hold_location_id
                | warehouse.quarantine_location_id
                | warehouse.rejected_location_id
            )
            self.assertEqual(
                buckets.mapped("quality_bucket"), ["qa_hold", "quarantine", "rejected"]
            )
            self.assertEqual(set(buckets.mapped("usage")), {"internal"})
            self.assertEqual(buckets.quality_warehouse_id, warehouse)
            self.assertEqual(buckets.company_id, warehouse.company_id)
            self.assertEqual(buckets.location_id, warehouse.quality_view_location_id)
            # Not under the warehouse's view location: neither its stock tree nor its
            # warehouse-level quantities reach them.
            self.assertFalse(buckets.warehouse_id)
            self.assertFalse(
                self.env["stock.location"].search_count(
                    [("id", "in", buckets.ids), ("id", "child_of", warehouse.view_location_id.id)]
                )
            )

    def test_bucket_creation_is_idempotent(self):
        before = self.warehouse.qa_hold_location_id
        self.warehouse._create_quality_buckets()
        self.assertEqual(self.warehouse.qa_hold_location_id, before)

    def test_held_stock_is_left_out_of_warehouse_quantities_but_stays_counted(self):
        self.put(self.product, 10)
        self.hold(self.quants(self.product, self.stock), quantity=4)
        self.assertEqual(self.qty(self.product, self.warehouse.qa_hold_location_id), 4)
        for context in ({"warehouse_id": self.warehouse.id}, {}):
            product = self.product.with_context(**context)
            self.assertEqual(product.qty_available, 6, context)
            self.assertEqual(product.free_qty, 6, context)
            self.assertEqual(product.virtual_available, 6, context)
        # a delivery that is waiting: forecast takes it from the 6, not from the 10
        self.delivery(self.product, 8)
        product = self.product.with_context(warehouse_id=self.warehouse.id)
        self.assertEqual(product.virtual_available, -2)
        self.assertEqual(product.free_qty, 0)
        # ... yet the held 4 are internal, valued stock, in the on-hand quants by bucket
        groups = self.env["stock.quant"]._read_group(
            [("product_id", "=", self.product.id), ("location_id.usage", "=", "internal")],
            ["quality_bucket"],
            ["quantity:sum"],
        )
        by_bucket = dict(groups)
        self.assertEqual(by_bucket, {False: 6, "qa_hold": 4})
        self.env["stock.quant"]._quant_tasks()
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 0)
        self.assertEqual(self.qty(self.product, self.warehouse.qa_hold_location_id), 4)
