from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class StockSyncCase(TransactionCase):
    """Users with the least rights, a warehouse, products and one endpoint.

    Nothing here comes from demo data: the warehouse is the one Odoo creates
    for the main company at install, everything else is made below.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf A", "location_id": cls.stock.id}
        )
        cls.supplier_loc = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_loc = cls.env.ref("stock.stock_location_customers")
        # A stock operator: validates transfers, knows nothing of the sync.
        cls.operator = new_test_user(cls.env, "sync_operator", groups="stock.group_stock_user")
        cls.stock_manager = new_test_user(
            cls.env, "sync_stock_manager", groups="stock.group_stock_manager"
        )
        cls.sync_user = new_test_user(
            cls.env, "sync_user", groups="stock_sync.group_stock_sync_user"
        )
        cls.sync_manager = new_test_user(
            cls.env, "sync_manager", groups="stock_sync.group_stock_sync_manager"
        )
        cls.categ_critical = cls.env["product.category"].create(
            {"name": "APIs", "stock_sync_criticality": "critical"}
        )
        cls.categ_bulk = cls.env["product.category"].create(
            {"name": "Packaging", "stock_sync_criticality": "bulk"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Paracetamol API",
                "is_storable": True,
                "default_code": "API-001",
                "barcode": "4006381333931",
                "categ_id": cls.categ_critical.id,
            }
        )
        cls.carton = cls.env["product.product"].create(
            {
                "name": "Carton",
                "is_storable": True,
                "default_code": "PKG-9",
                "categ_id": cls.categ_bulk.id,
            }
        )
        cls.lot_product = cls.env["product.product"].create(
            {
                "name": "Lot-tracked resin",
                "is_storable": True,
                "tracking": "lot",
                "default_code": "RES-1",
            }
        )
        cls.endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": "Test WMS",
                "url": "http://127.0.0.1:9/events",
                "secret_ids": [Command.create({})],
            }
        )

    @classmethod
    def _picking(cls, picking_type, lines, location=None, location_dest=None):
        location = location or picking_type.default_location_src_id
        location_dest = location_dest or picking_type.default_location_dest_id
        return cls.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": location.id,
                "location_dest_id": location_dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": location.id,
                            "location_dest_id": location_dest.id,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )

    def receive(self, lines, user=None, lot_names=None):
        """Receive ``lines`` [(product, qty)] into WH/Stock, validated by ``user``."""
        picking = self._picking(self.warehouse.in_type_id, lines, self.supplier_loc, self.stock)
        picking = picking.with_user(user or self.operator)
        picking.action_confirm()
        for move in picking.move_ids:
            if lot_names and move.product_id.tracking == "lot":
                move.move_line_ids.unlink()
                qty_each = move.product_uom_qty / len(lot_names)
                move.move_line_ids = [
                    Command.create(
                        {
                            "product_id": move.product_id.id,
                            "lot_name": name,
                            "quantity": qty_each,
                            "picking_id": picking.id,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
                    for name in lot_names
                ]
            else:
                move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def deliver(self, lines, user=None):
        picking = self._picking(self.warehouse.out_type_id, lines, self.stock, self.customer_loc)
        picking = picking.with_user(user or self.operator)
        picking.action_confirm()
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def events_of(self, records):
        return self.env["stock.sync.event"].search(
            [("move_line_id", "in", records.move_line_ids.ids)], order="id"
        )
