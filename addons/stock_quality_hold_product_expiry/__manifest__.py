# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - Expiry Dates",
    "summary": "A daily cron quarantines lots past their expiration or removal date "
    "(reason: expired) and marks them expired",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold", "product_expiry"],
    "data": ["data/ir_cron_data.xml"],
    "auto_install": True,
    "installable": True,
}
