"""Shared set-up of the quality hold tests: no demo data, every record made here."""

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


def validate_with_lots(picking, lots_per_move):
    """Confirm ``picking``, pick each move in full and validate it.

    ``lots_per_move``: for each move in order, the lot names its quantity is
    split over evenly, or None for an untracked move.
    """
    picking.action_confirm()
    for move, lots in zip(picking.move_ids, lots_per_move, strict=True):
        if lots:
            move.move_line_ids.unlink()
            move.move_line_ids = [
                Command.create(
                    {
                        "product_id": move.product_id.id,
                        "lot_name": name,
                        "quantity": move.product_uom_qty / len(lots),
                        "picking_id": picking.id,
                    }
                )
                for name in lots
            ]
        else:
            move.quantity = move.product_uom_qty
        move.picked = True
    picking.button_validate()
    return picking


class QualityHoldCase(TransactionCase):
    """Two warehouses of the main company, products by tracking, a stock user and a QM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.warehouse2 = cls.env["stock.warehouse"].create(
            {"name": "Second Warehouse", "code": "WH2", "company_id": cls.company.id}
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.stock2 = cls.warehouse2.lot_stock_id
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        cls.operator = new_test_user(
            cls.env, "qh_operator", groups="stock.group_stock_user,stock.group_production_lot"
        )
        cls.quality_manager = new_test_user(
            cls.env,
            "qh_quality_manager",
            groups="stock_quality_hold.group_quality_manager,stock.group_production_lot",
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Gasket", "is_storable": True, "default_code": "QH-GASKET"}
        )
        cls.lot_product = cls.env["product.product"].create(
            {"name": "Resin", "is_storable": True, "tracking": "lot", "default_code": "QH-RESIN"}
        )
        cls.serial_product = cls.env["product.product"].create(
            {"name": "Sensor", "is_storable": True, "tracking": "serial", "default_code": "QH-SN"}
        )
        cls.reason = cls.env.ref("stock_quality_hold.reason_awaiting_inspection")
        cls.reason_recall = cls.env.ref("stock_quality_hold.reason_recall")
        cls.reason_passed = cls.env.ref("stock_quality_hold.reason_inspection_passed")
        cls.reason_failed = cls.env.ref("stock_quality_hold.reason_inspection_failed")

    @classmethod
    def lot(cls, name, product=None):
        return cls.env["stock.lot"].create(
            {
                "name": name,
                "product_id": (product or cls.lot_product).id,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def put(cls, product, quantity, location=None, lot=None):
        """Count ``quantity`` into ``location`` with an applied inventory (a done move)."""
        quant = (
            cls.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": product.id,
                    "location_id": (location or cls.stock).id,
                    "lot_id": lot.id if lot else False,
                    "inventory_quantity": quantity,
                }
            )
        )
        quant.action_apply_inventory()
        return quant

    def quants(self, product, location, lot=None):
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        if lot is not None:
            domain.append(("lot_id", "=", lot.id))
        return self.env["stock.quant"].search(domain)

    def qty(self, product, location, lot=None):
        return sum(self.quants(product, location, lot).mapped("quantity"))

    def as_user(self, records, user):
        return records.with_user(user).with_context(allowed_company_ids=user.company_ids.ids)

    def hold(self, quants, user=None, bucket="qa_hold", quantity=None, reason=None, note=False):
        quants = self.as_user(quants, user or self.operator)
        return quants._quality_action(
            "hold", reason or self.reason, bucket=bucket, quantity=quantity, note=note
        )

    def release(self, quants, user=None, quantity=None, reason=None):
        quants = self.as_user(quants, user or self.quality_manager)
        return quants._quality_action("release", reason or self.reason_passed, quantity=quantity)

    def reject(self, quants, user=None, quantity=None, reason=None):
        quants = self.as_user(quants, user or self.quality_manager)
        return quants._quality_action("reject", reason or self.reason_failed, quantity=quantity)

    @classmethod
    def delivery(cls, product, quantity, warehouse=None):
        warehouse = warehouse or cls.warehouse
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": cls.customer_loc.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": cls.customer_loc.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        return picking
