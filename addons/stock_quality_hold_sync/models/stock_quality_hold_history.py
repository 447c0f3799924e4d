from odoo import fields, models

from odoo.addons.stock_sync.models.stock_sync_event import iso_time
from odoo.addons.stock_sync.services.event_draft import EventDraft

HOLD_TYPE = "odoo.stock_quality_hold.hold.v1"


def _ref(record, **extra):
    return dict({"id": record.id, "name": record.display_name}, **extra) if record else None


class StockQualityHoldHistory(models.Model):
    _inherit = "stock.quality.hold.history"

    def _quality_recorded(self):
        """One hold event per recorded action, through the outbox's one door.

        The stock move of each action is captured by stock_sync as a movement
        event already (the ledger); this event adds what it means: which
        bucket, which lot status, why.
        """
        res = super()._quality_recorded()
        if self:
            self.env["stock.sync.event"].emit(HOLD_TYPE, self._hold_event_drafts())
        return res

    def _hold_event_drafts(self):
        recorded_at = iso_time(fields.Datetime.now())
        drafts = []
        for history in self.sudo():
            product, lot = history.product_id, history.lot_id
            warehouse = history.warehouse_id
            drafts.append(
                EventDraft(
                    company=history.company_id,
                    product=product,
                    occurred_at=history.date,
                    data={
                        "action": history.action,
                        "bucket": history.bucket,
                        "lot_status": lot.quality_status if lot else None,
                        "product": {
                            "id": product.id,
                            "default_code": product.default_code or None,
                            "barcode": product.barcode or None,
                            "name": product.name,
                            "uom": product.uom_id.name,
                        },
                        "lot": {"id": lot.id, "name": lot.name} if lot else None,
                        "quantity": history.quantity,
                        "uom": product.uom_id.name,
                        "location_from": self._hold_location(history.location_id),
                        "location_to": self._hold_location(history.location_dest_id),
                        "warehouse": {"id": warehouse.id, "code": warehouse.code},
                        "reason": {"code": history.reason_id.code, "name": history.reason_id.name},
                        "note": history.note or None,
                        "user": _ref(history.user_id),
                        "move_id": history.move_id.id or None,
                        "history_id": history.id,
                        "disposal": self._hold_disposal(history),
                        "company": {"id": history.company_id.id, "name": history.company_id.name},
                        "occurred_at": iso_time(history.date),
                        "recorded_at": recorded_at,
                    },
                    # a disposal is a scrap or a return, as the outbox's operations say
                    operation=history.disposal_method or history.action,
                    reference=history.move_id.reference or lot.name or product.default_code,
                    lot=lot,
                    location_from=history.location_id,
                    location_to=history.location_dest_id,
                    # warehouse filters: the buckets lie outside the warehouse's tree
                    routing_locations=warehouse.view_location_id,
                )
            )
        return drafts

    @staticmethod
    def _hold_disposal(history):
        if history.action != "disposal":
            return None
        partner = history.partner_id
        return {
            "method": history.disposal_method,
            "scrap": _ref(history.scrap_id),
            "picking": _ref(history.picking_id),
            "partner": _ref(partner, ref=partner.ref or None),
        }

    @staticmethod
    def _hold_location(location):
        return {
            "id": location.id,
            "name": location.complete_name,
            "bucket": location.quality_bucket or None,
        }
