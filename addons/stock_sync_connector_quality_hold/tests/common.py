"""A REST backend whose WMS speaks statuses; the warehouse has its hold buckets."""

from odoo.tests import new_test_user

from odoo.addons.stock_sync_connector_rest.tests.common import WmsCase


class StatusCase(WmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality_manager = new_test_user(
            cls.env,
            "sync_quality_manager",
            groups="stock_quality_hold.group_quality_manager",
        )
        cls.qa_hold = cls.warehouse.qa_hold_location_id
        cls.quarantine = cls.warehouse.quarantine_location_id
        cls.rejected = cls.warehouse.rejected_location_id
        cls.reason = cls.env.ref("stock_quality_hold.reason_suspect")
        # The WMS's areas for held stock: movements into the buckets are mapped too.
        cls.env["stock.sync.xref.location"].create(
            [
                {"backend_id": cls.backend.id, "external_code": code, "location_id": loc.id}
                for code, loc in (
                    ("QA-AREA", cls.qa_hold),
                    ("QUARANTINE-AREA", cls.quarantine),
                    ("REJECT-AREA", cls.rejected),
                )
            ]
        )

    def map_status(self, code, bucket):
        return (
            self.env["stock.sync.xref.status"]
            .with_user(self.sync_manager)
            .create({"backend_id": self.backend.id, "external_code": code, "bucket": bucket})
        )

    def quantities(self, product=None):
        """{location: quantity} of the product in stock and in the three buckets."""
        product = product or self.product
        return {
            name: self.on_hand(product, location)
            for name, location in (
                ("stock", self.stock),
                ("qa_hold", self.qa_hold),
                ("quarantine", self.quarantine),
                ("rejected", self.rejected),
            )
        }
