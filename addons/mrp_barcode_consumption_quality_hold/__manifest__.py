# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "MRP Barcode Consumption - Quality Hold",
    "summary": "A scan never consumes a lot on hold, quarantined, rejected or expired",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["mrp_barcode_consumption", "stock_quality_hold"],
    "auto_install": True,
    "installable": True,
}
