import dataclasses

from odoo import models


class StockSyncBackend(models.Model):
    _inherit = "stock.sync.backend"

    def _transport_context(self):
        """The transport context with ``statuses``: {bucket: external status}."""
        context = super()._transport_context()
        # sudo: the dispatcher maps events of every company it sends for.
        xrefs = (
            self.env["stock.sync.xref.status"]
            .sudo()
            .search([("backend_id", "=", self.id)], order="id")
        )
        statuses = {}
        for xref in xrefs:
            statuses.setdefault(xref.bucket, xref.external_code)
        return dataclasses.replace(context, statuses=statuses)
