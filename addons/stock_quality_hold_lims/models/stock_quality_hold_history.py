from odoo import fields, models

from odoo.addons.stock_sync.models.stock_sync_event import iso_time
from odoo.addons.stock_sync.services.event_draft import EventDraft

AWAITING_TEST_TYPE = "odoo.stock_quality_hold_lims.lot_awaiting_test.v1"


class StockQualityHoldHistory(models.Model):
    _inherit = "stock.quality.hold.history"

    lims_disposition_id = fields.Many2one(
        "stock.quality.lims.disposition",
        "Lab Decision",
        readonly=True,
        index="btree_not_null",
        help="The lab decision that moved this stock.",
    )

    def _quality_recorded(self):
        """Lots of inspected products entering QA hold await a lab test: tell the LIMS."""
        res = super()._quality_recorded()
        awaiting = self.filtered(
            lambda h: (
                h.action == "hold"
                and h.bucket == "qa_hold"
                and h.lot_id
                and h.product_id._quality_inspect_on_receipt()
            )
        )
        if awaiting:
            self.env["stock.sync.event"].emit(AWAITING_TEST_TYPE, awaiting._lims_awaiting_drafts())
        return res

    def _lims_awaiting_drafts(self):
        """One ``lot awaiting test`` event per quantity that entered QA hold.

        The outbox orders events per product and company, hence per lot; the
        event names its lot in ``subject``-like fields of ``data`` so that a
        LIMS creates one sample per lot.
        """
        recorded_at = iso_time(fields.Datetime.now())
        drafts = []
        # sudo: the receipt's vendor and document are read whatever the receiving user may read.
        for history in self.sudo():
            product, lot, move = history.product_id, history.lot_id, history.move_id
            picking = move.picking_id
            supplier = picking.partner_id or move.partner_id
            warehouse = history.warehouse_id
            drafts.append(
                EventDraft(
                    company=history.company_id,
                    product=product,
                    occurred_at=history.date,
                    data={
                        "lot": {
                            "id": lot.id,
                            "name": lot.name,
                            "expiration_date": iso_time(lot.expiration_date)
                            if "expiration_date" in lot._fields and lot.expiration_date
                            else None,
                        },
                        "product": {
                            "id": product.id,
                            "default_code": product.default_code or None,
                            "barcode": product.barcode or None,
                            "name": product.name,
                        },
                        "quantity": history.quantity,
                        "uom": product.uom_id.name,
                        "supplier": {
                            "id": supplier.id,
                            "name": supplier.display_name,
                            "ref": supplier.ref or None,
                        }
                        if supplier
                        else None,
                        "receipt": {
                            "id": picking.id,
                            "name": picking.name,
                            "origin": picking.origin or None,
                        }
                        if picking
                        else None,
                        "received_at": iso_time(history.date),
                        "location_from": self._lims_location(history.location_id),
                        "location_to": self._lims_location(history.location_dest_id),
                        "warehouse": {"id": warehouse.id, "code": warehouse.code},
                        "company": {"id": history.company_id.id, "name": history.company_id.name},
                        "history_id": history.id,
                        "recorded_at": recorded_at,
                    },
                    operation="hold",
                    reference=picking.name or lot.name,
                    lot=lot,
                    location_from=history.location_id,
                    location_to=history.location_dest_id,
                    routing_locations=warehouse.view_location_id,
                )
            )
        return drafts

    @staticmethod
    def _lims_location(location):
        return {"id": location.id, "name": location.complete_name}
