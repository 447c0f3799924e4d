-- A copied database must not send inventory events to production subscribers.
UPDATE stock_sync_endpoint SET active = false;
UPDATE stock_sync_delivery SET state = 'cancelled', cancel_reason = 'Database neutralized'
 WHERE state IN ('pending', 'failed', 'in_flight', 'parked');
