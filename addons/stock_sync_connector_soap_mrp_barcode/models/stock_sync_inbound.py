from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.stock_sync_connector.models.stock_sync_inbound import HeldNegative, Rejected

# Scan answer codes that mean "not enough stock": held for investigation, not rejected.
SHORT = ("not_available",)
# Codes worth another try (a concurrent scan held the order).
TRANSIENT = ("retry",)


class StockSyncInbound(models.Model):
    _inherit = "stock.sync.inbound"

    def _mes_consume(self, production, product, quantity, lot, location):
        """Consume through ``mrp_barcode_consumption``'s service: posted at once, one path.

        The service's own steps after its barcode parsing (lock the order,
        check its state, then validate and post the component, lot and
        location) run with the product and lot the cross-references found,
        so a product without a barcode is consumed alike. The scan id is the
        inbound event's, hence applying an event again (after a crash) is
        answered from the scan log and consumes nothing more. A refusal
        raises: ``not_available`` holds the event (negative stock), any other
        code rejects it with the service's message.
        """
        backend = self.backend_id
        Production = self.env["mrp.production"]
        request = {
            "action": "consume",
            "barcode": f"MES {self.external_id}"[:256],
            "production": production.id,
            "quantity": quantity,
            "uom": product.uom_id.id,
            "location": location.id,
            "device_id": f"MES {backend.name}"[:128],
        }
        parsed = {"product": product, "lot": lot}

        def step(request, scan_id):
            order = Production._scan_find_production(request["production"])
            facts = {"production": order}
            order._scan_lock()
            order._scan_check_state(facts)
            return order._scan_apply(dict(parsed), request, scan_id, facts)

        before = production.move_raw_ids.filtered(lambda m: m.state == "done")
        answer = Production._scan_run(request, f"mes-{backend.id}-{self.external_id}", step)
        if not answer["ok"]:
            message = _(
                "The barcode-consumption service refused it (%(code)s): %(message)s",
                code=answer["code"],
                message=answer["message"],
            )
            if answer["code"] in SHORT:
                raise HeldNegative(message)
            if answer["code"] in TRANSIENT:
                raise UserError(message)
            raise Rejected(message)
        production.invalidate_recordset(["move_raw_ids"])
        return production.move_raw_ids.filtered(lambda m: m.state == "done") - before
