# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold",
    "summary": "QA hold, quarantine and rejected buckets: counted stock that is never "
    "reserved, consumed or promised until a quality manager releases it",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock", "mail"],
    "data": [
        "security/stock_quality_hold_security.xml",
        "security/ir.model.access.csv",
        "security/stock_quality_hold_rules.xml",
        "data/stock_quality_hold_reason_data.xml",
        "wizards/stock_quality_hold_wizard_views.xml",
        "views/stock_quality_hold_reason_views.xml",
        "views/stock_quality_hold_history_views.xml",
        "views/stock_lot_views.xml",
        "views/stock_quant_views.xml",
        "views/stock_move_line_views.xml",
        "views/stock_location_views.xml",
        "views/stock_warehouse_views.xml",
        "views/stock_quality_hold_menus.xml",
    ],
    "demo": ["demo/stock_quality_hold_demo.xml"],
    "assets": {
        "web.assets_tests": ["stock_quality_hold/static/tests/tours/*.js"],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
