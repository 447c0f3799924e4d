"""The REST WMS simulator, answering stock snapshots too: ``GET /api/v1/stock``."""

from urllib.parse import parse_qs, urlsplit

from odoo.addons.stock_sync_connector_rest.tests.wms_simulator import WmsSimulator


class SnapshotWmsSimulator(WmsSimulator):
    """Its stock (what the movements Odoo sent it made of it), page by page."""

    def _handle(self, handler, method):
        parts = urlsplit(handler.path)
        if method != "GET" or parts.path != "/api/v1/stock":
            return super()._handle(handler, method)
        mode, status, _delay = self._next_fault()
        if mode == "status":
            return self._answer(handler, method, parts.path, status, {"error": "simulated failure"})
        if mode == "malformed":
            return self._answer(handler, method, parts.path, 200, b"<html>not json")
        if not self._authenticated(handler):
            return self._answer(handler, method, parts.path, 401, {"error": "unauthenticated"})
        query = parse_qs(parts.query)
        offset = int((query.get("cursor") or ["0"])[0])
        limit = int((query.get("limit") or ["100"])[0])
        with self._lock:
            items = [
                {"sku": sku, "location": location, "status": "available", "quantity": quantity}
                for (sku, location), quantity in sorted(self.stock.items())
                if quantity > 0 and location
            ]
        page = items[offset : offset + limit]
        next_cursor = str(offset + limit) if offset + limit < len(items) else None
        return self._answer(
            handler, method, parts.path, 200, {"items": page, "next_cursor": next_cursor}
        )
