# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Quality Hold - Quality Control",
    "summary": "OCA inspections hold the stock they inspect in QA hold: a pass releases "
    "it, a fail rejects it, a partial pass splits it",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_quality_hold", "quality_control_stock_oca"],
    "data": [
        "security/ir.model.access.csv",
        "security/stock_quality_hold_quality_control_rules.xml",
        "views/qc_inspection_views.xml",
        "views/stock_quality_hold_history_views.xml",
    ],
    "demo": ["demo/stock_quality_hold_quality_control_demo.xml"],
    "auto_install": True,
    "installable": True,
}
