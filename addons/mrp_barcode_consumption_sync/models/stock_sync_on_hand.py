from odoo import api, models


class StockSyncOnHand(models.Model):
    _inherit = "stock.sync.on.hand"

    @api.model
    def _unannounced(self, pairs):
        """Scans under an open event window: posted to stock at once, announced
        when the window closes (``mrp.barcode.coalesced.line``). Until then an
        event numbered beside them must not count what they moved."""
        moved = super()._unannounced(pairs)
        self.env.cr.execute(
            """
            SELECT ml.product_id, ml.location_id, ml.location_dest_id,
                   SUM(ml.quantity_product_uom)
              FROM mrp_barcode_coalesced_line c
              JOIN stock_move_line ml ON ml.id = c.move_line_id
             WHERE c.closed IS NOT TRUE AND ml.state = 'done' AND c.product_id = ANY(%s)
             GROUP BY ml.product_id, ml.location_id, ml.location_dest_id
            """,
            (list({product for product, _location in pairs}),),
        )
        for product, source, destination, quantity in self.env.cr.fetchall():
            for pair, signed in (
                ((product, source), -quantity),
                ((product, destination), quantity),
            ):
                if pair in pairs:
                    moved[pair] = moved.get(pair, 0.0) + signed
        return moved
