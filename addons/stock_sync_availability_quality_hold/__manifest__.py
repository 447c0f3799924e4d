# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Availability and Quality Hold",
    "summary": "Receipts inspected on receipt are not promised before their release; "
    "held stock by bucket and age on the planner dashboard",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_availability", "stock_quality_hold"],
    "demo": ["demo/stock_sync_availability_quality_hold_demo.xml"],
    "auto_install": True,
    "installable": True,
}
