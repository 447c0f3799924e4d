from odoo import _, models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """Flag or refuse Odoo-side moves into locations an external system owns.

        Moves made by the inbound path of the owning backend itself are the
        system's own and pass.
        """
        self._check_system_of_record()
        return super()._action_done(cancel_backorder=cancel_backorder)

    def _check_system_of_record(self):
        destinations = self.move_line_ids.location_dest_id | self.location_dest_id
        owners = self.env["stock.sync.backend"]._owner_of(destinations)
        if not owners:
            return
        applying = self.env.context.get("stock_sync_connector_backend_id")
        for move in self:
            for location in move.move_line_ids.location_dest_id or move.location_dest_id:
                backend = owners.get(location.id)
                if not backend or backend.id == applying:
                    continue
                message = _(
                    "%(location)s is owned by %(backend)s: its quantities come from that "
                    "system. Record the movement there; Odoo receives it back.",
                    location=location.display_name,
                    backend=backend.name,
                )
                if backend.sor_policy == "refuse":
                    raise UserError(message)
                if move.picking_id:
                    move.picking_id.message_post(body=message)
