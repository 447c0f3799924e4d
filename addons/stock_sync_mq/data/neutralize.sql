-- A copied database must neither publish to production brokers nor consume their
-- queues (`odoo neutralize`): broker backends and their endpoints point at a reserved
-- name that never resolves (RFC 2606 .invalid), subscriptions and the client
-- certificate are removed (the connector's script archives backends and clears passwords).
UPDATE stock_sync_backend
   SET base_url = kind || '://neutralized.invalid',
       mq_subscriptions = NULL,
       mq_client_id = NULL,
       mq_cert_file = NULL,
       mq_key_file = NULL,
       username = NULL,
       password = NULL
 WHERE kind IN ('mqtt', 'amqp');
UPDATE stock_sync_endpoint
   SET url = transport || '://neutralized.invalid'
 WHERE transport IN ('mqtt', 'amqp');
