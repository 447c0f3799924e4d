# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Reconciliation of Quality Hold Buckets",
    "summary": "A snapshot's held statuses are compared with the warehouse's QA hold, "
    "quarantine and rejected buckets",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_reconciliation", "stock_quality_hold"],
    "auto_install": True,
    "installable": True,
}
