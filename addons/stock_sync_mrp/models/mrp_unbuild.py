from odoo import models

from odoo.addons.stock_sync.models.stock_move_line import capture_batch


class MrpUnbuild(models.Model):
    _inherit = "mrp.unbuild"

    def action_unbuild(self):
        # The unbuilt product and the recovered components are done by three
        # _action_done calls; they are captured together at the end.
        with capture_batch(self) as unbuilds:
            return super(MrpUnbuild, unbuilds).action_unbuild()
