from odoo import api, models

from ..services.loose_reference import let_go


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.ondelete(at_uninstall=True)
    def _stock_sync_let_go(self):
        # The outbox's log users have no foreign key (services/loose_reference.py).
        let_go(
            self,
            [
                (model, field)
                for model in ("stock.sync.event", "stock.sync.delivery")
                for field in ("create_uid", "write_uid")
            ],
        )
