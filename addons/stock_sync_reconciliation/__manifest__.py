# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Reconciliation",
    "summary": "Compare an external system's stock snapshot with Odoo's stock at the same time, "
    "explain every difference (events in flight included), approve and correct",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector"],
    "external_dependencies": {"python": ["openpyxl"]},
    "data": [
        "security/ir.model.access.csv",
        "security/stock_sync_reconciliation_rules.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/stock_sync_reconciliation_views.xml",
        "views/stock_sync_reconciliation_line_views.xml",
        "views/stock_sync_reconciliation_tolerance_views.xml",
        "views/stock_sync_backend_views.xml",
        "wizards/stock_sync_reconciliation_import_views.xml",
        "views/stock_sync_reconciliation_menus.xml",
    ],
    "demo": ["demo/stock_sync_reconciliation_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "stock_sync_reconciliation/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
