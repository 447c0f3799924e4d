from . import broker_settings, mqtt_transport, amqp_transport
