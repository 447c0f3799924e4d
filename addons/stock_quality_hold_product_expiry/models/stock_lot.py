import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Statuses an expired lot shows instead: a rejected lot stays rejected (its
# disposition is pending, a stronger state than expired).
_EXPIRED_OVER = ("released", "on_hold", "quarantined")


class StockLot(models.Model):
    _inherit = "stock.lot"

    @api.model
    def _quality_expired_domain(self, now=None):
        """Lots past their expiration or removal date (``product_expiry``'s dates, UTC)."""
        now = now or fields.Datetime.now()
        return [
            ("product_id.use_expiration_date", "=", True),
            "|",
            ("expiration_date", "<=", now),
            ("removal_date", "<=", now),
        ]

    def _quality_is_expired(self, now):
        self.ensure_one()
        return self.product_id.use_expiration_date and any(
            date and date <= now for date in (self.expiration_date, self.removal_date)
        )

    def _update_quality_status(self):
        """An expired lot reads ``expired`` wherever its stock lies, unless rejected.

        A lot whose dates were moved into the future again loses ``expired``
        and takes the status its stock gives it.
        """
        now = fields.Datetime.now()
        for lot in self.sudo().filtered(
            lambda lot: lot.quality_status == "expired" and not lot._quality_is_expired(now)
        ):
            lot.quality_status = "released"
        res = super()._update_quality_status()
        for lot in self.sudo().filtered(
            lambda lot: lot.quality_status in _EXPIRED_OVER and lot._quality_is_expired(now)
        ):
            lot.quality_status = "expired"
        return res

    def write(self, vals):
        res = super().write(vals)
        if {"expiration_date", "removal_date"} & set(vals):
            self._update_quality_status()
        return res

    @api.model
    def _cron_quality_expiry(self):
        """Quarantine every lot past its expiration or removal date, and mark it expired.

        Daily (``ir_cron_quality_expiry``). Per company, each expired lot's
        stock in its warehouses goes to the warehouse's quarantine through the
        recall (``action_quality_recall``, reason ``expired``); what cannot
        move (reserved for an open transfer, outside any warehouse) is left
        where it is, reported in the lot's chatter and in the server log,
        and tried again the next day. Idempotent: stock already in a hold
        bucket is not moved again, a lot already expired is not rewritten.

        :returns: ``{"lots": int, "moved": int, "skipped": [(lot name, quantity, why)]}``
        """
        reason = self.env.ref("stock_quality_hold.reason_expired")
        now = fields.Datetime.now()
        # sudo: the cron acts for every company; each recall runs in its lot's company.
        lots = self.sudo().search(self._quality_expired_domain(now))
        summary = {"lots": len(lots), "moved": 0, "skipped": []}
        if not lots:
            return summary
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("location_id.usage", "=", "internal"),
                    ("quality_bucket", "=", False),
                    ("quantity", ">", 0),
                ]
            )
        )
        to_move = quants.lot_id
        # Per the stock's company, not the lot's: a lot made on a receipt has
        # no company in Odoo 18 unless its product has one.
        for company in quants.company_id:
            company_lots = quants.filtered(
                lambda quant, company=company: quant.company_id == company
            ).lot_id
            histories, skipped = (
                company_lots.with_company(company)
                .with_context(allowed_company_ids=company.ids)
                .action_quality_recall(
                    reason,
                    self.env._("Past its expiration or removal date (daily expiry check)."),
                )
            )
            summary["moved"] += len(histories)
            summary["skipped"] += [
                (quant.lot_id.name, quantity, why) for quant, quantity, why in skipped
            ]
        # lots with nothing left to move still read expired
        (lots - to_move)._update_quality_status()
        for name, quantity, why in summary["skipped"]:
            _logger.warning("Expired lot %s: %g not quarantined: %s", name, quantity, why)
        _logger.info(
            "Expiry check: %d expired lots, %d quantities quarantined, %d could not move",
            summary["lots"],
            summary["moved"],
            len(summary["skipped"]),
        )
        return summary
