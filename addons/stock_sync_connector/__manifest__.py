# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Connector Base",
    "summary": "External WMS/MES backends, cross-references, system-of-record scope, "
    "and an inbound event log applied idempotently as stock operations",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/stock_sync_connector_security.xml",
        "security/ir.model.access.csv",
        "security/stock_sync_connector_rules.xml",
        "data/ir_cron_data.xml",
        "views/stock_sync_backend_views.xml",
        "views/stock_sync_xref_views.xml",
        "views/stock_sync_inbound_views.xml",
        "views/stock_sync_endpoint_views.xml",
        "views/stock_sync_connector_menus.xml",
    ],
    "installable": True,
}
