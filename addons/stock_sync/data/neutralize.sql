-- A copied database must neither send inventory events to production
-- subscribers nor be able to sign as production (`odoo neutralize`).
-- Endpoints are archived and their URLs replaced by a reserved name that never
-- resolves (RFC 2606 .invalid), as Odoo replaces its own webhooks' URLs.
UPDATE stock_sync_endpoint
   SET active = false,
       url = 'https://neutralized.invalid/stock-sync',
       paused_until = NULL;
-- Production signing secrets: "Add Secret" makes new ones for the copy.
DELETE FROM stock_sync_endpoint_secret;
-- Former URLs (and any token in them) in the endpoints' chatter history.
DELETE FROM mail_tracking_value v
 USING ir_model_fields f
 WHERE v.field_id = f.id
   AND f.model = 'stock.sync.endpoint'
   AND f.name = 'url';
UPDATE stock_sync_delivery SET state = 'cancelled', cancel_reason = 'Database neutralized'
 WHERE state IN ('pending', 'failed', 'parked');
