-- A copied database must not call production MES services: the base module
-- archives backends and replaces their WSDL URL; the service address that
-- overrides the WSDL's goes too (RFC 2606 .invalid never resolves).
UPDATE stock_sync_backend
   SET soap_address = NULL
 WHERE soap_address IS NOT NULL;
