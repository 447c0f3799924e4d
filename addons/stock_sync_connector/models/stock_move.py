from contextlib import contextmanager

from odoo import _, api, models
from odoo.exceptions import UserError

# The cursor-cache key of the lists :meth:`StockMove._collect_done` fills.
DONE_MOVES = "stock_sync_connector.done_moves"


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """Flag or refuse Odoo-side moves into locations an external system owns.

        Moves made by the inbound path of the owning backend itself are the
        system's own and pass. The moves done are also handed to the
        :meth:`_collect_done` blocks running.
        """
        self._check_system_of_record()
        done = super()._action_done(cancel_backorder=cancel_backorder)
        for collected in self.env.cr.cache.get(DONE_MOVES, ()):
            collected.extend(done.ids)
        return done

    @api.model
    @contextmanager
    def _collect_done(self):
        """A block that lists the ids of the moves done within it (``[int]``, in order).

        What an operation Odoo runs produced, without searching the moves
        afterwards (an inventory adjustment's ``_apply_inventory`` returns nothing).
        """
        collected = []
        collectors = self.env.cr.cache.setdefault(DONE_MOVES, [])
        collectors.append(collected)
        try:
            yield collected
        finally:
            collectors.remove(collected)

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
