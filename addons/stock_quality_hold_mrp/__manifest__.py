# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - Manufacturing",
    "summary": "Manufacturing orders never reserve nor consume held components, "
    "and do as soon as they are released",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold", "mrp"],
    "auto_install": True,
    "installable": True,
}
