# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Expected Receipts",
    "summary": "Incoming transfers confirmed, changed or cancelled become expected-receipt "
    "events (ASN-like), per product, for a WMS or any subscriber",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync"],
    "data": ["data/stock_sync_event_type_data.xml"],
    "installable": True,
}
