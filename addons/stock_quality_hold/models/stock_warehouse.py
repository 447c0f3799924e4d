from odoo import api, fields, models

from .stock_location import BUCKETS


class StockWarehouse(models.Model):
    """Each warehouse has three hold buckets: QA hold, quarantine and rejected.

    Why locations outside the warehouse's tree: Odoo reserves from the
    picking's source location and its children (``stock.quant._gather``), and
    computes a product's on-hand, free and forecasted quantities, per
    warehouse or for all of them, over the warehouses' *view* locations and
    their children (``product.product._get_domain_locations``). An internal
    location under its own view location, beside the warehouse's view
    location rather than under it, is therefore left out of all of them
    without overriding a single computation, while its stock stays internal:
    counted, valued, listed in the stock reports, and moved only by stock moves.
    A location flag honoured by the computations would have to patch each
    of them (and every module that reads quants); OCA's
    ``stock_available_base_exclude_location`` covers the product quantities
    but not reservation.
    """

    _inherit = "stock.warehouse"

    quality_view_location_id = fields.Many2one(
        "stock.location", "Quality Hold Location", readonly=True, copy=False
    )
    qa_hold_location_id = fields.Many2one("stock.location", "QA Hold", readonly=True, copy=False)
    quarantine_location_id = fields.Many2one(
        "stock.location", "Quarantine", readonly=True, copy=False
    )
    rejected_location_id = fields.Many2one("stock.location", "Rejected", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        warehouses._create_quality_buckets()
        return warehouses

    def _quality_bucket_field(self, bucket):
        return {
            "qa_hold": "qa_hold_location_id",
            "quarantine": "quarantine_location_id",
            "rejected": "rejected_location_id",
        }[bucket]

    def _quality_bucket_location(self, bucket):
        self.ensure_one()
        return self[self._quality_bucket_field(bucket)]

    def _create_quality_buckets(self):
        """Create the missing hold buckets of these warehouses (idempotent)."""
        Location = self.env["stock.location"].sudo().with_context(active_test=False)
        for warehouse in self.sudo():
            view = warehouse.quality_view_location_id
            if not view:
                view = Location.create(
                    {
                        "name": f"{warehouse.code}-Quality",
                        "usage": "view",
                        # Beside the warehouse's view location, never under it.
                        "location_id": warehouse.view_location_id.location_id.id,
                        "company_id": warehouse.company_id.id,
                        "active": warehouse.active,
                    }
                )
                warehouse.quality_view_location_id = view
            for bucket, label in BUCKETS:
                field_name = warehouse._quality_bucket_field(bucket)
                if warehouse[field_name]:
                    continue
                warehouse[field_name] = Location.create(
                    {
                        "name": label,
                        "usage": "internal",
                        "location_id": view.id,
                        "company_id": warehouse.company_id.id,
                        "quality_bucket": bucket,
                        "quality_warehouse_id": warehouse.id,
                        "active": warehouse.active,
                    }
                )
