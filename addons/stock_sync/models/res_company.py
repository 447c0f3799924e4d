from odoo import _, api, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_stock_sync_events(self):
        """A company named by inventory events is not deleted: what the events'
        foreign key's "restrict" did before it went (services/loose_reference.py).
        Odoo's own stock history keeps such a company anyway; this says why
        when only lot events name it."""
        # sudo: the outbox is technical; whoever may delete a company must learn why not.
        events = self.env["stock.sync.event"].sudo()
        if events.search_count([("company_id", "in", self.ids)], limit=1):
            raise UserError(
                _(
                    "%(companies)s still have inventory events in the outbox. Archive the "
                    "company instead, or let the events' retention purge them first.",
                    companies=", ".join(self.mapped("name")),
                )
            )
