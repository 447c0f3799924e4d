from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _stock_sync_operation(self):
        if self.unbuild_id or self.consume_unbuild_id:
            return "unbuild"
        return super()._stock_sync_operation()

    def _stock_sync_manufacturing(self):
        """Which order this move belongs to, and in which role."""
        self.ensure_one()
        if self.consume_unbuild_id or self.unbuild_id:
            unbuild = self.consume_unbuild_id or self.unbuild_id
            # consume_unbuild_id is linked late by mrp, so tell the roles by direction.
            role = (
                "unbuilt_product"
                if self.location_dest_id.usage == "production"
                else "recovered_component"
            )
            production = unbuild.mo_id
        elif self.raw_material_production_id:
            production, unbuild, role = self.raw_material_production_id, None, "component"
        elif self.production_id:
            production, unbuild = self.production_id, None
            role = (
                "finished"
                if self.product_id == production.product_id and not self.byproduct_id
                else "byproduct"
            )
        else:
            return None
        return {
            "role": role,
            "production": {"id": production.id, "name": production.name} if production else None,
            "unbuild": {"id": unbuild.id, "name": unbuild.name} if unbuild else None,
            "bom": {"id": production.bom_id.id, "code": production.bom_id.code or None}
            if production.bom_id
            else None,
        }
