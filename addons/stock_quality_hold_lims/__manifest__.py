# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - LIMS",
    "summary": "Lab dispositions (release, reject, retest) drive the hold buckets; lots "
    "awaiting test go to the LIMS",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold", "stock_sync_connector"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/stock_quality_hold_lims_security.xml",
        "security/ir.model.access.csv",
        "security/stock_quality_hold_lims_rules.xml",
        "data/stock_sync_event_type_data.xml",
        "data/stock_quality_hold_reason_data.xml",
        "views/stock_quality_lims_disposition_views.xml",
        "views/stock_lot_views.xml",
        "views/product_category_views.xml",
        "views/stock_sync_backend_views.xml",
        "views/stock_quality_hold_lims_menus.xml",
    ],
    "demo": ["demo/stock_quality_hold_lims_demo.xml"],
    "auto_install": True,
    "installable": True,
}
