-- A copied database must neither talk to production WMS/MES backends nor
-- accept their webhooks (`odoo neutralize`): backends are archived, their
-- addresses replaced by a reserved name that never resolves (RFC 2606
-- .invalid), their credentials and webhook secrets removed, polling stopped.
UPDATE stock_sync_backend
   SET active = false,
       base_url = 'https://neutralized.invalid/backend',
       api_key = NULL,
       password = NULL,
       oauth_client_secret = NULL,
       oauth_token_url = NULL,
       webhook_secret = NULL,
       poll_enabled = false;
UPDATE ir_cron
   SET active = false
 WHERE id IN (SELECT poll_cron_id FROM stock_sync_backend WHERE poll_cron_id IS NOT NULL);
