# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Availability and Reconciliation",
    "summary": "Inventory record accuracy of the latest reconciliations on the planner dashboard",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_availability", "stock_sync_reconciliation"],
    "auto_install": True,
    "installable": True,
}
