# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "MRP Barcode Consumption - Sync",
    "summary": "The movement events of a scan carry the scan id, the device and the "
    "manufacturing order",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["mrp_barcode_consumption", "stock_sync_mrp"],
    "auto_install": True,
    "installable": True,
}
