from odoo import models

from odoo.addons.stock_quality_hold.models.stock_location import BUCKETS


class StockSyncReconciliation(models.Model):
    _inherit = "stock.sync.reconciliation"

    def _bucket_locations(self):
        """The run's warehouse's hold buckets: a 'quarantine' line is compared with them."""
        mapping = super()._bucket_locations()
        for run in self:
            # sudo: the bucket locations are read to map statuses; users may not read
            # every location of a quality view.
            warehouse = run.warehouse_id.sudo()
            for bucket, _label in BUCKETS:
                location = warehouse._quality_bucket_location(bucket)
                if location:
                    mapping[(warehouse.id, bucket)] = location.id
        return mapping

    def _location_buckets(self):
        """{location id: bucket} of the run's warehouse's hold buckets."""
        return {
            location_id: bucket
            for (_warehouse, bucket), location_id in self._bucket_locations().items()
        }
