import json
import logging

from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


def _json(status, body):
    return request.make_response(
        json.dumps(body), headers=[("Content-Type", "application/json")], status=status
    )


class ReconciliationController(http.Controller):
    """Post a snapshot from another system: thin, the run does the work.

    ``POST /api/stock_sync_reconciliation/v1/snapshots`` with an Odoo API key
    as bearer token (``Authorization: Bearer <key>``) of an Inventory Sync
    user, and a JSON body::

        {"as_of": "2026-11-30T10:00:00Z", "warehouse": "WH", "backend_id": 3,
         "full_snapshot": true, "sum_duplicates": false,
         "lines": [{"sku": "SKU-1", "location": "A-01", "lot": "L1",
                    "status": "available", "quantity": 12, "unit": "EA"}]}

    Answers 201 with the compared run (id, name, state, accuracy, counts per
    class, variance value), 400 with ``{"error", "message"}`` for bad input
    (nothing is kept), 403 for a user outside the Inventory Sync groups.
    """

    @http.route(
        "/api/stock_sync_reconciliation/v1/snapshots",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def post_snapshot(self, **_kw):
        env = request.env
        if not env.user.has_group("stock_sync.group_stock_sync_user"):
            return _json(
                403,
                {
                    "error": "forbidden",
                    "message": "This API key's user is not an Inventory Sync user.",
                },
            )
        try:
            payload = json.loads(request.httprequest.get_data() or b"null")
        except ValueError:
            return _json(400, {"error": "bad_json", "message": "The body is not JSON."})
        try:
            with env.cr.savepoint():
                run = env["stock.sync.reconciliation"]._create_from_payload(payload)
        except (UserError, ValidationError, AccessError) as exc:
            _logger.info(
                "Inventory Sync reconciliation: snapshot refused for %s: %s", env.user.login, exc
            )
            return _json(
                400, {"error": "bad_snapshot", "message": str(exc.args[0] if exc.args else exc)}
            )
        except HTTPException:
            raise
        return _json(201, run._api_summary())
