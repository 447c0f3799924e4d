# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - Sync",
    "summary": "Hold, release and reject become inventory events: which bucket, which lot status",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold", "stock_sync"],
    "data": ["data/stock_sync_event_type_data.xml"],
    "auto_install": True,
    "installable": True,
}
