# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Reconciliation with a WMS over REST",
    "summary": "Pull a REST WMS's stock snapshot, page by page, for scheduled reconciliations",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_reconciliation", "stock_sync_connector_rest"],
    "auto_install": True,
    "installable": True,
}
