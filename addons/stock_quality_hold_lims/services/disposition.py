"""A lab's disposition as the LIMS sends it, checked: pure Python, no Odoo import.

One disposition is a JSON object::

    {
      "decision_id": "LIMS-D-000123",        # the lab's own id: the idempotency key
      "decided_at": "2026-11-30T10:00:00Z",  # when the lab decided (ISO 8601)
      "product": "DEMO-SEN-210",             # product reference (a cross-reference)
      "lot": "LOT-2026-0042",                # lot name
      "result": "released",                  # released | rejected | retest | conditional
      "retest_date": "2027-02-28",           # retest only (required)
      "restriction": "Indoor use only",      # conditional only (required)
      "quantities": [                        # optional: a partial decision
        {"package": "PACK0001", "quantity": 10},   # package null: loose stock
      ],
      "analyst": "A. Chen", "approver": "B. Ruiz",
      "test_date": "2026-11-29",
      "certificate": {"ref": "COA-2026-0042", "filename": "coa.pdf",
                      "content_base64": "JVBERi0..."}   # PDF optional
    }

A request carries one such object, a list, or ``{"dispositions": [...]}``.
"""

import base64
import binascii
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

RELEASED = "released"
REJECTED = "rejected"
RETEST = "retest"
CONDITIONAL = "conditional"
RESULTS = (RELEASED, REJECTED, RETEST, CONDITIONAL)
MAX_ID_LENGTH = 200
MAX_TEXT = 1000
MAX_QUANTITIES = 500
MAX_DISPOSITIONS = 200
DEFAULT_MAX_PDF_BYTES = 2 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


class DispositionError(ValueError):
    """The disposition is malformed: the message names the field and what is expected."""


@dataclass
class Disposition:
    decision_id: str
    decided_at: datetime  # naive UTC, as Odoo stores datetimes
    product_ref: str
    lot_name: str
    result: str
    retest_date: date = None
    restriction: str = None
    quantities: list = field(default_factory=list)  # [(package name or None, quantity)]
    analyst: str = None
    approver: str = None
    test_date: date = None
    coa_ref: str = None
    pdf: bytes = None
    pdf_filename: str = None


def expand(document):
    """The list of dispositions of a request body (one object, a list, or a wrapper)."""
    if isinstance(document, dict) and "dispositions" in document:
        document = document["dispositions"]
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        return document
    raise DispositionError(
        'Send one disposition object, a list of them, or {"dispositions": [...]}.'
    )


def _text(raw, name, required=True, limit=MAX_TEXT):
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        if not required:
            raise DispositionError(f"'{name}' must be a non-empty text when given.")
        raise DispositionError(f"'{name}' is required: a non-empty text.")
    value = str(value).strip()
    if len(value) > limit:
        raise DispositionError(f"'{name}' is longer than {limit} characters.")
    return value


def _moment(raw, name):
    value = raw.get(name)
    if not isinstance(value, str):
        raise DispositionError(
            f"'{name}' is required: an ISO 8601 time, e.g. 2026-11-30T10:00:00Z."
        )
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DispositionError(
            f"'{name}' {value!r} is not an ISO 8601 time, e.g. 2026-11-30T10:00:00Z."
        ) from None
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _day(raw, name, required=False):
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise DispositionError(f"'{name}' is required: a date, e.g. 2027-02-28.")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise DispositionError(f"'{name}' {value!r} is not a date, e.g. 2027-02-28.") from None


def _quantities(raw):
    value = raw.get("quantities")
    if value is None:
        return []
    if not isinstance(value, list) or not value or len(value) > MAX_QUANTITIES:
        raise DispositionError(
            f"'quantities' must be a list of 1 to {MAX_QUANTITIES} objects "
            '{"package": name or null, "quantity": number > 0}; leave it out to decide on the '
            "whole lot."
        )
    checked = []
    for index, line in enumerate(value):
        if not isinstance(line, dict):
            raise DispositionError(f"'quantities[{index}]' must be an object with a quantity.")
        package = line.get("package")
        if package is not None and (not isinstance(package, str) or not package.strip()):
            raise DispositionError(f"'quantities[{index}].package' must be a name or null.")
        qty = line.get("quantity")
        if (
            isinstance(qty, bool)
            or not isinstance(qty, int | float)
            or not math.isfinite(qty)
            or qty <= 0
        ):
            raise DispositionError(
                f"'quantities[{index}].quantity' must be a number greater than 0, got {qty!r}."
            )
        checked.append((package.strip() if package else None, float(qty)))
    return checked


def _certificate(raw, max_pdf_bytes):
    value = raw.get("certificate")
    if value is None:
        return None, None, None
    if not isinstance(value, dict):
        raise DispositionError(
            "'certificate' must be an object with ref, filename, content_base64."
        )
    ref = _text(value, "ref", required=False, limit=200)
    content = value.get("content_base64")
    if content is None:
        return ref, None, None
    if not isinstance(content, str):
        raise DispositionError("'certificate.content_base64' must be base64 text.")
    # Measured before decoding: base64 is 4/3 of the bytes.
    if len(content) * 3 // 4 > max_pdf_bytes:
        raise DispositionError(
            f"The certificate PDF is larger than {max_pdf_bytes // 1024} KiB: send a smaller "
            "file, or only its reference and keep the PDF in the LIMS."
        )
    try:
        pdf = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise DispositionError("'certificate.content_base64' is not valid base64.") from None
    if len(pdf) > max_pdf_bytes:
        raise DispositionError(
            f"The certificate PDF is larger than {max_pdf_bytes // 1024} KiB: send a smaller "
            "file, or only its reference and keep the PDF in the LIMS."
        )
    if not pdf.startswith(PDF_MAGIC):
        raise DispositionError("'certificate.content_base64' is not a PDF (no %PDF- header).")
    filename = _text(value, "filename", required=False, limit=200) or f"{ref or 'CoA'}.pdf"
    return ref, pdf, filename


def parse(raw, max_pdf_bytes=DEFAULT_MAX_PDF_BYTES):
    """Check one disposition dict; return a :class:`Disposition` or raise :class:`DispositionError`."""
    if not isinstance(raw, dict):
        raise DispositionError("A disposition is a JSON object with decision_id, lot, result...")
    decision_id = _text(raw, "decision_id", limit=MAX_ID_LENGTH)
    result = raw.get("result")
    if result not in RESULTS:
        raise DispositionError(f"Unknown result {result!r}: expected one of {', '.join(RESULTS)}.")
    retest_date = _day(raw, "retest_date", required=result == RETEST)
    restriction = _text(raw, "restriction", required=result == CONDITIONAL)
    coa_ref, pdf, filename = _certificate(raw, max_pdf_bytes)
    return Disposition(
        decision_id=decision_id,
        decided_at=_moment(raw, "decided_at"),
        product_ref=_text(raw, "product", limit=200),
        lot_name=_text(raw, "lot", limit=200),
        result=result,
        retest_date=retest_date,
        restriction=restriction,
        quantities=_quantities(raw),
        analyst=_text(raw, "analyst", required=False, limit=200),
        approver=_text(raw, "approver", required=False, limit=200),
        test_date=_day(raw, "test_date"),
        coa_ref=coa_ref,
        pdf=pdf,
        pdf_filename=filename,
    )


def decision_id_of(raw):
    """The decision id of a raw disposition, if it has a usable one (for the answer)."""
    if isinstance(raw, dict):
        value = raw.get("decision_id")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:MAX_ID_LENGTH]
    return None
