"""Machine-readable answer codes of the scan service and their HTTP statuses.

Plain Python (no Odoo import) so that every door - the device endpoint, the
handheld screen, an MES connector - maps a code the same way. A code is stable:
clients branch on it, the human ``message`` next to it may change.
"""

OK_CODES = ("consumed", "opened", "undone")

#: code -> HTTP status the device endpoint answers with
CODES = {
    # success
    "consumed": 200,
    "opened": 200,
    "undone": 200,
    # the request itself is wrong
    "missing_field": 400,
    "bad_quantity": 400,
    "bad_gs1": 400,
    # nothing known by that name (or not visible to this user's companies)
    "unknown_barcode": 404,
    "unknown_production": 404,
    "other_company": 404,
    # state conflicts
    "mo_state": 409,
    "serial_twice": 409,
    "scan_conflict": 409,
    "retry": 409,
    "nothing_to_undo": 409,
    # understood but refused by a business rule
    "not_a_component": 422,
    "lot_required": 422,
    "lot_unknown": 422,
    "lot_unavailable": 422,
    "lot_held": 422,
    "lot_expired": 422,
    "bad_uom": 422,
    "bad_location": 422,
    "not_available": 422,
    "over_consumption": 422,
    "serial_quantity": 422,
    "stock_refused": 422,
}

#: warning codes (never refusals; they ride along with an ok answer)
WARNING_CODES = (
    "over_consumption",
    "unplanned_component",
    "gs1_expiry_ignored",
)


def http_status(code):
    """HTTP status for an answer code; 500 for a code this table does not know."""
    return CODES.get(code, 500)
