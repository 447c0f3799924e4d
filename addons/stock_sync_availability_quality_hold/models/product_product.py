from odoo import api, models

# The SQL twin of stock.move._quality_receipt_bucket (stock_quality_hold), over
# the ATP query's aliases m (stock_move), sl and dl (its source and destination):
# a receipt operation's move from a vendor or a customer into a warehouse that
# has a QA hold bucket, of a product inspected on receipt (its own flag, or its
# category's or a parent category's). Such a move delivers into QA hold when it
# is done, so its quantity is promisable only once a quality manager releases it.
INSPECTED_RECEIPT_SQL = """
    m.picking_type_id IN (SELECT t.id FROM stock_picking_type t WHERE t.code = 'incoming')
    AND sl.usage IN ('supplier', 'customer')
    AND dl.quality_bucket IS NULL
    AND EXISTS (
        SELECT 1 FROM stock_warehouse w
         WHERE w.id = dl.warehouse_id AND w.qa_hold_location_id IS NOT NULL
    )
    AND EXISTS (
        SELECT 1
          FROM product_product pp
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          LEFT JOIN product_category pc ON pc.id = pt.categ_id
         WHERE pp.id = m.product_id
           AND (pt.quality_inspect_on_receipt OR EXISTS (
                SELECT 1 FROM product_category c
                 WHERE c.quality_inspect_on_receipt
                   AND pc.parent_path LIKE c.parent_path || '%%'
           ))
    )
"""


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _atp_excluded_moves(self):
        """Open receipts that will land in QA hold count as incoming only when released.

        Stock received for inspection goes to the warehouse's QA hold bucket,
        outside the warehouse's tree (``stock_quality_hold``); ATP counts it
        once a quality manager releases it into stock. Its open receipt must
        not count before that either, or sales would promise stock that may
        fail its inspection. Same rule as ``stock.move._quality_receipt_bucket``.
        """
        return super()._atp_excluded_moves() + [INSPECTED_RECEIPT_SQL]
