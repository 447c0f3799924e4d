# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - Availability",
    "summary": "Available to promise per warehouse and channel, channel buffers, "
    "availability events, an oversell-risk list and a planner dashboard",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync"],
    "data": [
        "security/stock_sync_availability_security.xml",
        "security/ir.model.access.csv",
        "security/stock_sync_availability_rules.xml",
        "data/stock_sync_event_type_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_config_parameter_data.xml",
        "data/mail_activity_type_data.xml",
        "views/stock_sync_channel_views.xml",
        "views/stock_sync_channel_availability_views.xml",
        "views/product_product_views.xml",
        "views/stock_sync_dashboard_views.xml",
        "views/stock_sync_availability_menus.xml",
    ],
    "demo": ["demo/stock_sync_availability_demo.xml"],
    "assets": {
        "web.assets_backend": ["stock_sync_availability/static/src/**/*"],
        "web.assets_tests": ["stock_sync_availability/static/tests/tours/**/*"],
    },
    "installable": True,
}
