import json
import logging

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.stock_sync_connector.models.stock_sync_inbound import (
    DONE,
    DUPLICATE,
    ERROR,
    PAYLOAD_EXCERPT,
    REJECTED,
    Rejected,
)

from ..services import disposition as lab
from .stock_quality_lims_disposition import APPLIED, BLOCKED, SUPERSEDED, TO_CONFIRM, WAITING

_logger = logging.getLogger(__name__)

EVENT_TYPE = "lims_disposition"
# What the lab hears about a recorded decision, by the decision's state.
OUTCOMES = {
    APPLIED: ("accepted", "Applied."),
    TO_CONFIRM: ("accepted", "Recorded: a Quality Manager confirms the release in Odoo."),
    BLOCKED: ("accepted", "Recorded: part of the lot is reserved; a Quality Manager acts."),
    SUPERSEDED: ("accepted", "Recorded, not applied: a newer decision on the lot stands."),
    WAITING: ("waiting", "Waiting for the lot: applied when Odoo receives it."),
}


class StockSyncInbound(models.Model):
    """The inbound log also records the lab's dispositions, one entry per decision."""

    _inherit = "stock.sync.inbound"

    event_type = fields.Selection(
        selection_add=[(EVENT_TYPE, "Lab disposition")], ondelete={EVENT_TYPE: "set null"}
    )
    lims_disposition_id = fields.Many2one(
        "stock.quality.lims.disposition", "Lab Disposition", readonly=True
    )

    def _record_one(self, backend, raw, source, webhook_id):
        if backend.kind != "lims":
            return super()._record_one(backend, raw, source, webhook_id)
        return self._lims_record_one(backend, raw, source, webhook_id)

    @api.model
    def _lims_record_one(self, backend, raw, source, webhook_id):
        """Record one disposition and apply it at once; return the lab's answer.

        Unlike a WMS's events, a lab's decision is applied in the request: the
        lab hears what became of it (``accepted``, ``duplicate``, ``waiting``
        for the lot, or ``rejected`` with the reason). Everything it writes
        is in one savepoint: a rejected decision leaves only its log entry,
        and its decision id stays free for the corrected one.

        :returns: ``{"decision_id", "status", "detail"|"error", "state"?}``.
        """
        values = {
            "backend_id": backend.id,
            "source": source,
            "webhook_id": webhook_id,
            "event_type": EVENT_TYPE,
            "payload": self._lims_payload(raw),
        }
        decision_id = lab.decision_id_of(raw)
        try:
            parsed = lab.parse(raw, backend.lims_max_pdf_kb * 1024)
        except lab.DispositionError as exc:
            record = self.create(
                dict(
                    values,
                    external_id=decision_id or _("(no decision id)"),
                    state=REJECTED,
                    error=str(exc),
                )
            )
            return {"decision_id": decision_id, "status": REJECTED, "error": str(exc)}
        values.update(external_id=parsed.decision_id, event_time=parsed.decided_at)
        original = self._original(backend, parsed.decision_id)
        record = None
        if not original:
            try:
                with self.env.cr.savepoint():
                    record = self.create(dict(values, dedup_key=parsed.decision_id))
            except pg_errors.UniqueViolation:
                # The same decision, in another request, a moment ago.
                original = self._original(backend, parsed.decision_id)
        if record is None:
            self.create(dict(values, state=DUPLICATE, duplicate_of_id=original.id))
            return {
                "decision_id": parsed.decision_id,
                "status": DUPLICATE,
                "detail": _("Decision already received: nothing is applied again."),
            }
        runner = record.with_user(backend.inbound_user_id).with_company(backend.company_id)
        Disposition = runner.env["stock.quality.lims.disposition"]
        try:
            with self.env.cr.savepoint():
                disposition = Disposition._lims_record(backend.with_env(runner.env), parsed, record)
        except (Rejected, UserError, ValidationError, AccessError) as exc:
            record._set_state(REJECTED, error=str(exc), dedup_key=False, attempts=1)
            return {"decision_id": parsed.decision_id, "status": REJECTED, "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - recorded, and the lab is told to resend
            _logger.exception("LIMS decision %s failed", parsed.decision_id)
            error = _(
                "Unexpected %(error)s in Odoo: nothing was applied; send decision %(decision)s "
                "again later.",
                error=exc.__class__.__name__,
                decision=parsed.decision_id,
            )
            record._set_state(ERROR, error=error, dedup_key=False, attempts=1)
            return {"decision_id": parsed.decision_id, "status": REJECTED, "error": error}
        status, detail = OUTCOMES[disposition.state]
        if disposition.state != APPLIED:
            detail = f"{detail} {disposition.note or ''}".strip()
        record._set_state(
            DONE,
            attempts=1,
            applied_at=fields.Datetime.now(),
            product_id=disposition.product_id.id,
            lims_disposition_id=disposition.id,
            error=False if disposition.state == APPLIED else detail,
            move_ids=[fields.Command.set(disposition.history_ids.move_id.ids)],
        )
        return {
            "decision_id": parsed.decision_id,
            "status": status,
            "state": disposition.state,
            "detail": detail,
        }

    @staticmethod
    def _lims_payload(raw):
        """What the log keeps of a disposition: all but the PDF's content (kept on the lot)."""
        shown = raw
        if isinstance(raw, dict) and isinstance(raw.get("certificate"), dict):
            certificate = dict(raw["certificate"])
            content = certificate.get("content_base64")
            if isinstance(content, str):
                certificate["content_base64"] = f"<{len(content)} base64 characters>"
            shown = dict(raw, certificate=certificate)
        try:
            return json.dumps(shown, ensure_ascii=False, sort_keys=True)[: PAYLOAD_EXCERPT * 4]
        except (TypeError, ValueError):
            return repr(shown)[:PAYLOAD_EXCERPT]

    def _apply(self):
        if self.event_type != EVENT_TYPE:
            return super()._apply()
        raise Rejected(
            _(
                "Lab decisions are applied when they arrive; one that failed is sent again by "
                "the LIMS (decision %s), not retried from the log.",
                self.external_id,
            )
        )
