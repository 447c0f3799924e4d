from odoo import models

from .stock_sync_channel import AVAILABILITY_TYPE


class StockSyncEndpoint(models.Model):
    _inherit = "stock.sync.endpoint"

    def _accepts(self, rules, facts):
        """Availability events go only to their channel's endpoint (named in the draft).

        Fan-out asks this only of endpoints the draft does not name, so an
        endpoint without a type filter (a WMS taking everything) never gets
        the availability of a channel it does not serve.
        """
        if facts["type"] == AVAILABILITY_TYPE:
            return False
        return super()._accepts(rules, facts)
