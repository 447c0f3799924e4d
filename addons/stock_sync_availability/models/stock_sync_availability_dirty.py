from odoo import api, fields, models

DIRTY_KEY = "stock_sync_availability.dirty"
CRITICAL_KEY = "stock_sync_availability.critical"


class StockSyncAvailabilityDirty(models.Model):
    """Products whose availability may have changed, waiting for the publish cron.

    Append-only and without a unique key, on purpose: two stock transactions
    that touch one product insert a row each and never wait for each other.
    The cron takes the rows out (``DELETE ... RETURNING``) and computes each
    product once: that is the debounce.
    """

    _name = "stock.sync.availability.dirty"
    _description = "Product whose availability may have changed"
    _log_access = False

    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")

    @api.model
    def _mark(self, products):
        """Record ``products`` (``product.product``) as changed, when this transaction commits.

        Costs a set update per call; one INSERT per flush of the transaction,
        and for critical products one cron trigger row (and a NOTIFY after
        commit). No availability is computed here.
        """
        ids = {pid for pid in products.ids if pid}
        if not ids:
            return
        cr = self.env.cr
        pending = cr.precommit.data.get(DIRTY_KEY)
        if pending is None:
            pending = cr.precommit.data[DIRTY_KEY] = set()
            cr.precommit.add(self._flush_marks)
        new = ids - pending
        if not new:
            return
        pending |= new
        if not cr.precommit.data.get(CRITICAL_KEY):
            # sudo: criticality comes from the category, which the stock user may not read.
            critical = any(
                p.product_tmpl_id._stock_sync_criticality() == "critical"
                for p in self.env["product.product"].sudo().browse(new)
            )
            if critical:
                cr.precommit.data[CRITICAL_KEY] = True

    def _flush_marks(self):
        cr = self.env.cr
        ids = cr.precommit.data.pop(DIRTY_KEY, None)
        critical = cr.precommit.data.pop(CRITICAL_KEY, False)
        if not ids:
            return
        cr.execute(
            "INSERT INTO stock_sync_availability_dirty (product_id) SELECT unnest(%s::int[])",
            (sorted(ids),),
        )
        if critical:
            self.env["stock.sync.channel"]._trigger_publish()

    @api.model
    def _take(self):
        """Remove every waiting row; return the product ids, once each."""
        self.env.cr.execute("DELETE FROM stock_sync_availability_dirty RETURNING product_id")
        return sorted({row[0] for row in self.env.cr.fetchall()})
