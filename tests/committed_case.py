"""A base for tests on committed transactions, and the clean-up of what they commit.

Row locks, replication and races only mean something across committed
transactions, so these tests are no TransactionCase: each step opens its own
cursor and commits, and the test deletes what it committed (done moves cannot
be unlinked through the ORM, hence SQL).
"""

import contextlib

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name


class CommittedCase(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    @staticmethod
    def environment(cr, uid=SUPERUSER_ID):
        return api.Environment(cr, uid, {"tracking_disable": True, "mail_create_nosubscribe": True})

    @contextlib.contextmanager
    def env_cr(self, uid=SUPERUSER_ID):
        """An environment on a new cursor, committed if the block ends normally."""
        cr = self.registry.cursor()
        try:
            yield self.environment(cr, uid)
            cr.commit()
        finally:
            cr.close()

    @staticmethod
    def receive(env, products, qty):
        """Receive ``qty`` of each of ``products`` into the company's WH/Stock, validated."""
        env.cr.execute("SET LOCAL lock_timeout = '30s'")  # fail, never hang, on a lock
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        supplier = env.ref("stock.stock_location_suppliers")
        picking = env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": supplier.id,
                            "location_dest_id": warehouse.lot_stock_id.id,
                        }
                    )
                    for product in products
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.write({"quantity": qty, "picked": True})
        picking.button_validate()
        return picking

    def delete_stock_of(self, product_ids, company_id):
        """Delete the products' pickings, moves, quants and outbox rows, then the products."""
        products = tuple(product_ids) or (0,)
        keys = tuple(f"product:{pid}@company:{company_id}" for pid in products)
        with self.env_cr() as env:
            cr = env.cr
            cr.execute(
                "SELECT DISTINCT picking_id FROM stock_move WHERE product_id IN %s", (products,)
            )
            pickings = tuple(row[0] for row in cr.fetchall() if row[0]) or (0,)
            cr.execute(
                "DELETE FROM stock_sync_delivery WHERE event_id IN"
                " (SELECT id FROM stock_sync_event WHERE product_id IN %s)",
                (products,),
            )
            cr.execute("DELETE FROM stock_sync_event WHERE product_id IN %s", (products,))
            cr.execute("DELETE FROM stock_sync_sequence WHERE partition_key IN %s", (keys,))
            cr.execute("DELETE FROM stock_sync_on_hand WHERE product_id IN %s", (products,))
            cr.execute("DELETE FROM stock_move_line WHERE product_id IN %s", (products,))
            cr.execute("DELETE FROM stock_move WHERE product_id IN %s", (products,))
            cr.execute("DELETE FROM stock_quant WHERE product_id IN %s", (products,))
            for model, table in (("stock.picking", "stock_picking"),):
                cr.execute(
                    "DELETE FROM mail_followers WHERE res_model = %s AND res_id IN %s",
                    (model, pickings),
                )
                cr.execute(
                    "DELETE FROM mail_message WHERE model = %s AND res_id IN %s", (model, pickings)
                )
                cr.execute(f"DELETE FROM {table} WHERE id IN %s", (pickings,))  # noqa: S608
            env.invalidate_all()
            env["product.product"].browse(list(product_ids)).unlink()
