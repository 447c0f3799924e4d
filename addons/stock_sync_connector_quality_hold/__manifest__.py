# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Connector Quality Hold",
    "summary": "External statuses of a WMS mapped to quality-hold buckets: status changes "
    "move stock between buckets, hold events carry the external status",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector_rest", "stock_quality_hold_sync"],
    "data": [
        "security/stock_sync_connector_quality_hold_security.xml",
        "security/ir.model.access.csv",
        "security/stock_sync_connector_quality_hold_rules.xml",
        "data/stock_quality_hold_reason_data.xml",
        "views/stock_sync_xref_status_views.xml",
    ],
    "demo": ["demo/stock_sync_connector_quality_hold_demo.xml"],
    "auto_install": True,
    "installable": True,
}
