# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - SOAP MES Connector",
    "summary": "An MES over SOAP (zeep): material availability and lot status out, "
    "consumption, production and scrap confirmations in (polled or pushed)",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector", "mrp"],
    "external_dependencies": {"python": ["zeep", "lxml", "requests"]},
    "data": [
        "security/stock_sync_connector_soap_security.xml",
        "views/stock_sync_backend_views.xml",
        "views/stock_sync_inbound_views.xml",
    ],
    "demo": ["demo/stock_sync_connector_soap_demo.xml"],
    "installable": True,
}
