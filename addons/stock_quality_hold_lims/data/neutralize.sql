-- A copied database must not send lots awaiting test to the production LIMS: the
-- endpoints of LIMS backends are archived (the connector's own neutralize.sql
-- archives the backends and removes their webhook secrets).
UPDATE stock_sync_endpoint
   SET active = false
 WHERE id IN (SELECT lims_endpoint_id FROM stock_sync_backend WHERE lims_endpoint_id IS NOT NULL);
