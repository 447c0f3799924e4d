# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, models

#: stock_quality_hold's lot statuses that a scan refuses, and the answer code.
REFUSED_STATUSES = {
    "on_hold": "lot_held",
    "quarantined": "lot_held",
    "rejected": "lot_held",
    "expired": "lot_expired",
}


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    def _scan_lot_refusal(self, lot, parsed):
        """Refuse a lot whose quality status (stock_quality_hold) is not released.

        The lot's status, not only where its stock lies: a lot with part of it
        in a hold bucket is suspect as a whole until a quality manager releases
        it.
        """
        code = REFUSED_STATUSES.get(lot.quality_status)
        if code:
            status = dict(lot._fields["quality_status"]._description_selection(self.env))[
                lot.quality_status
            ]
            return (
                code,
                _(
                    "Lot %(lot)s of %(product)s is %(status)s (%(reason)s): set it aside "
                    "and scan a released lot, or ask quality to release it.",
                    lot=lot.name,
                    product=lot.product_id.display_name,
                    status=status,
                    reason=lot.quality_reason_id.name or _("no reason given"),
                ),
            )
        return super()._scan_lot_refusal(lot, parsed)
