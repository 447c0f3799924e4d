# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - REST WMS Connector",
    "summary": "A WMS over REST: events out through its API, signed webhooks and polling in",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector", "stock_sync_expected_receipt"],
    "external_dependencies": {"python": ["requests", "urllib3"]},
    "demo": ["demo/stock_sync_connector_rest_demo.xml"],
    "installable": True,
}
