# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - SOAP MES Connector and Barcode Consumption",
    "summary": "Glue: the MES's consumption confirmations go through the barcode-consumption "
    "service, the one path of consumption (posted at once, idempotent, in the scan log)",
    "version": "18.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector_soap", "mrp_barcode_consumption"],
    "auto_install": True,
    "installable": True,
}
