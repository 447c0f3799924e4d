# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - Sync and Manufacturing",
    "summary": "Proves that manufacturing with held components keeps the outbox "
    "equal to the stock ledger",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold_mrp", "stock_quality_hold_sync", "stock_sync_mrp"],
    "auto_install": True,
    "installable": True,
}
