# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "MRP Barcode Consumption - Sync",
    "summary": "The movement events of a scan carry the scan id, the device and the "
    "manufacturing order; scans coalesced per component, lot and order per window",
    "version": "18.0.1.1.0",
    "category": "Manufacturing/Manufacturing",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["mrp_barcode_consumption", "stock_sync_mrp"],
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/mrp_barcode_coalesced_line_views.xml",
        "views/mrp_workcenter_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
