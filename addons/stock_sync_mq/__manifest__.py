# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Inventory Sync - MQTT and AMQP",
    "summary": "Shop-floor message queues: events out to MQTT or AMQP brokers with the outbox's "
    "guarantees, and a consumer process applying broker messages as inbound events",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "author": "Inventory Sync developers",
    "website": "https://github.com/inventory-sync/inventory-sync",
    "license": "AGPL-3",
    "depends": ["stock_sync_connector"],
    "external_dependencies": {"python": ["paho-mqtt", "pika"]},
    "data": ["views/stock_sync_backend_views.xml"],
    "demo": ["demo/stock_sync_mq_demo.xml"],
    "installable": True,
}
