# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "MRP Barcode Consumption",
    "summary": "Consume components on a manufacturing order by scanning them: posted to "
    "stock at once, idempotent per scan id, every scan in a log",
    "version": "18.0.1.2.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["mrp", "barcodes", "barcodes_gs1_nomenclature"],
    "data": [
        "security/mrp_barcode_consumption_security.xml",
        "security/ir.model.access.csv",
        "security/mrp_barcode_consumption_rules.xml",
        "data/barcode_rule_gs1_data.xml",
        "views/mrp_barcode_scan_views.xml",
        "views/mrp_barcode_consumption_menus.xml",
        "views/mrp_production_views.xml",
    ],
    "demo": ["demo/mrp_barcode_consumption_demo.xml"],
    "assets": {
        "web.assets_backend": ["mrp_barcode_consumption/static/src/**/*"],
        "web.assets_tests": ["mrp_barcode_consumption/static/tests/tours/**/*"],
    },
    "installable": True,
}
