# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Manufacturing",
    "summary": "Manufacturing context on inventory events: consumption, production, by-products, unbuild",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync", "mrp"],
    "demo": ["demo/stock_sync_mrp_demo.xml"],
    "auto_install": True,
    "installable": True,
}
