"""What the ledger scenario suites share: flows run the way users run them.

Every scenario of ``test_ledger_*`` ends with
:meth:`~.common.OutboxAssertions.assertOutboxMatchesStockLedger`: whatever Odoo
did to its done move lines, the outbox replays to the same ledger.
"""

from odoo import Command
from odoo.tests import Form

from .common import StockSyncCase


class LedgerScenarioCase(StockSyncCase):
    """StockSyncCase with a serial product, a bin, an owner and flow helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bin = cls.env["stock.location"].create({"name": "Bin 1", "location_id": cls.shelf.id})
        cls.serial_product = cls.env["product.product"].create(
            {
                "name": "Serialised pump",
                "is_storable": True,
                "tracking": "serial",
                "default_code": "PUMP-S",
            }
        )
        cls.consignor = cls.env["res.partner"].create({"name": "Consignor Ltd"})
        cls.dozen = cls.env.ref("uom.product_uom_dozen")

    # ------------------------------------------------------------------
    # Transfers
    # ------------------------------------------------------------------
    def new_picking(self, picking_type, lines, location=None, location_dest=None, **vals):
        """A confirmed transfer of ``lines`` [(product, qty)], as the operator."""
        picking = self._picking(picking_type, lines, location, location_dest)
        if vals:
            picking.write(vals)
        picking = picking.with_user(self.operator)
        picking.action_confirm()
        return picking

    def validate(self, picking, quantities=None, backorder=None, user=None, lots=None):
        """Validate ``picking`` like the UI does.

        :param quantities: {product: qty done}; the demand when not given.
        :param backorder: True or False to answer the backorder wizard.
        :param lots: {product: [(lot name, qty)]}, new lots (receipts) or
            existing ones (by name), replacing the product's lines.
        """
        picking = picking.with_user(user or self.operator)
        if picking.state in ("confirmed", "waiting") and picking.location_id.usage == "internal":
            picking.action_assign()
        quantities = quantities or {}
        lots = lots or {}
        for move in picking.move_ids:
            if move.product_id in lots:
                move.move_line_ids.unlink()
                move.move_line_ids = [
                    Command.create(self._lot_line_vals(move, name, qty))
                    for name, qty in lots[move.product_id]
                ]
            elif move.product_id in quantities:
                move.quantity = quantities[move.product_id]
            elif move.product_id.tracking != "serial":
                move.quantity = move.product_uom_qty
            move.picked = True
        result = picking.button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            self.assertIsNotNone(backorder, f"{picking.name} asks about a backorder")
            wizard = Form.from_action(picking.env, result).save()
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        return picking

    def _lot_line_vals(self, move, lot_name, qty):
        lot = self.env["stock.lot"].search(
            [("product_id", "=", move.product_id.id), ("name", "=", lot_name)]
        )
        vals = {
            "product_id": move.product_id.id,
            "quantity": qty,
            "location_id": move.location_id.id,
            "location_dest_id": move.location_dest_id.id,
            "picking_id": move.picking_id.id,
        }
        if lot:
            vals["lot_id"] = lot.id
        else:
            vals["lot_name"] = lot_name
        return vals

    def receive_into(self, lines, destination=None, **kwargs):
        """Receive ``lines`` into ``destination`` (WH/Stock), validated by the operator."""
        picking = self.new_picking(
            self.warehouse.in_type_id, lines, self.supplier_loc, destination or self.stock
        )
        return self.validate(picking, **kwargs)

    def internal(self, lines, source, destination, **kwargs):
        picking = self.new_picking(self.warehouse.int_type_id, lines, source, destination)
        return self.validate(picking, **kwargs)

    def unlock(self, picking):
        """A stock manager unlocks a done transfer (the Lock/Unlock action is theirs)."""
        picking = picking.with_user(self.stock_manager)
        picking.action_toggle_is_locked()
        self.assertFalse(picking.is_locked)
        return picking

    def count(self, product, location, quantity, user=None, **quant_vals):
        """Count ``quantity`` of ``product`` at ``location`` and apply it, as a stock user."""
        Quant = self.env["stock.quant"].with_user(user or self.operator)
        Quant = Quant.with_context(inventory_mode=True)
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        for field_name in ("lot_id", "package_id", "owner_id"):
            value = quant_vals.get(field_name)
            domain.append((field_name, "=", value.id if value else False))
        quant = Quant.search(domain, limit=1)
        if quant:
            quant.inventory_quantity = quantity
        else:
            quant = Quant.create(
                {
                    "product_id": product.id,
                    "location_id": location.id,
                    "inventory_quantity": quantity,
                    **{key: value.id for key, value in quant_vals.items() if value},
                }
            )
        quant.action_apply_inventory()
        return quant

    def quant(self, product, location, **domain_vals):
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        domain += [(key, "=", value.id) for key, value in domain_vals.items()]
        return self.env["stock.quant"].search(domain)

    def on_hand(self, product, location, **kwargs):
        return sum(self.quant(product, location, **kwargs).mapped("quantity"))
