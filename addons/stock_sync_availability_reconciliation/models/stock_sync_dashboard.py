from odoo import _, api, fields, models

# A run's figures count once it has compared the snapshot (draft: not yet; cancel: void).
COUNTED_STATES = ("compared", "to_approve", "applied")
# Below this, the accuracy figure is flagged (cycle-counting practice aims at 95 % or more).
ACCURACY_WARNING = 95.0


class StockSyncDashboard(models.AbstractModel):
    _inherit = "stock.sync.dashboard"

    @api.model
    def _dashboard_tiles(self):
        tiles = super()._dashboard_tiles()
        if self.env["stock.sync.reconciliation"].has_access("read"):
            tiles.append(self._tile_record_accuracy())
        return tiles

    @api.model
    def _tile_record_accuracy(self):
        """Inventory record accuracy of the latest reconciliation of each warehouse."""
        Run = self.env["stock.sync.reconciliation"]
        counted = [("state", "in", COUNTED_STATES)]
        xmlid = "stock_sync_reconciliation.action_stock_sync_reconciliation"
        rows = []
        for warehouse, _count in Run._read_group(counted, ["warehouse_id"], ["__count"]):
            run = Run.search(counted + [("warehouse_id", "=", warehouse.id)], limit=1)
            action = self._dashboard_action(
                xmlid,
                _("Latest reconciliation of %(warehouse)s", warehouse=warehouse.name),
                [("id", "=", run.id)],
            )
            rows.append(
                [
                    self._dashboard_cell(warehouse.name),
                    self._dashboard_cell(
                        _("%(accuracy).1f %%", accuracy=run.accuracy),
                        run.accuracy,
                        action,
                        "warning" if run.accuracy < ACCURACY_WARNING else None,
                    ),
                    self._dashboard_cell(str(run.difference_count), run.difference_count, action),
                    self._dashboard_cell(fields.Datetime.to_string(run.as_of)[:16], None, action),
                ]
            )
        return self._dashboard_tile(
            "record_accuracy",
            50,
            _("Inventory Record Accuracy"),
            _("Latest compared reconciliation per warehouse: keys matching or explained"),
            [_("Warehouse"), _("Accuracy"), _("Differences"), _("As Of (UTC)")],
            rows,
            _("No reconciliation compared yet"),
            self._dashboard_action(
                "stock_sync_reconciliation.action_stock_sync_reconciliation_accuracy",
                _("Inventory Record Accuracy"),
                counted,
            ),
        )
