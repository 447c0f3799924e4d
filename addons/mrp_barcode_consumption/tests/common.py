# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Scan scenarios: a pump built from bolts, resin (lots) and sensors (serials).

Everything is made here (no demo data); stock comes in through validated
receipts, and every scan runs as a Shop Floor Operator, the least-privileged
user who may scan.
"""

import uuid

from odoo import Command
from odoo.tests import Form, TransactionCase, new_test_user


class ScanCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.company.write(
            {
                "scan_allow_unplanned": False,
                "scan_over_consumption": "refuse",
                "scan_over_tolerance": 0.0,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.line_side = cls.env["stock.location"].create(
            {"name": "Line side", "location_id": cls.stock.id}
        )
        cls.elsewhere = cls.env["stock.location"].create(
            {"name": "Outside store", "location_id": cls.warehouse.view_location_id.id}
        )
        cls.operator = new_test_user(
            cls.env,
            "scan_operator",
            groups="mrp_barcode_consumption.group_shop_floor_operator",
        )
        cls.planner = new_test_user(cls.env, "scan_planner", groups="mrp.group_mrp_user")
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.gram = cls.env.ref("uom.product_uom_gram")
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        Product = cls.env["product.product"]
        cls.pump = Product.create({"name": "Pump", "is_storable": True, "default_code": "PUMP"})
        cls.bolt = Product.create(
            {
                "name": "Bolt",
                "is_storable": True,
                "default_code": "BOLT",
                "barcode": "4006381333931",
            }
        )
        cls.resin = Product.create(
            {
                "name": "Resin",
                "is_storable": True,
                "tracking": "lot",
                "default_code": "RESIN",
                "barcode": "09501101020917",
                "uom_id": cls.kg.id,
                "uom_po_id": cls.kg.id,
            }
        )
        cls.sensor = Product.create(
            {
                "name": "Sensor",
                "is_storable": True,
                "tracking": "serial",
                "default_code": "SENSOR",
                "barcode": "SENSOR-0001",
            }
        )
        cls.grease = Product.create(
            {"name": "Grease", "is_storable": True, "barcode": "GREASE-0001"}
        )
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1,
                "consumption": "warning",
                "bom_line_ids": [
                    Command.create({"product_id": cls.bolt.id, "product_qty": 4}),
                    Command.create({"product_id": cls.resin.id, "product_qty": 0.5}),
                    Command.create({"product_id": cls.sensor.id, "product_qty": 1}),
                ],
            }
        )
        cls.lot_a = cls.env["stock.lot"].create({"name": "RES-A", "product_id": cls.resin.id})
        cls.lot_b = cls.env["stock.lot"].create({"name": "RES-B", "product_id": cls.resin.id})
        cls.lot_far = cls.env["stock.lot"].create({"name": "RES-FAR", "product_id": cls.resin.id})
        cls.serials = cls.env["stock.lot"].create(
            [{"name": f"SN-{n}", "product_id": cls.sensor.id} for n in range(1, 6)]
        )
        cls.receive(
            [
                (cls.bolt, 100, None, cls.stock),
                (cls.grease, 10, None, cls.stock),
                (cls.resin, 20, cls.lot_a, cls.stock),
                (cls.resin, 20, cls.lot_b, cls.line_side),
                (cls.resin, 20, cls.lot_far, cls.elsewhere),
            ]
            + [(cls.sensor, 1, serial, cls.stock) for serial in cls.serials]
        )

    @classmethod
    def receive(cls, lines):
        """Receive [(product, qty, lot or None, location[, package])] in one validated receipt."""
        supplier = cls.env.ref("stock.stock_location_suppliers")
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": cls.stock.id,
            }
        )
        for product, qty, lot, location, *package in lines:
            move = cls.env["stock.move"].create(
                {
                    "name": product.name,
                    "picking_id": picking.id,
                    "product_id": product.id,
                    "product_uom_qty": qty,
                    "product_uom": product.uom_id.id,
                    "location_id": supplier.id,
                    "location_dest_id": location.id,
                }
            )
            move._action_confirm(merge=False)
            move.move_line_ids.unlink()
            cls.env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": product.id,
                    "quantity": qty,
                    "lot_id": lot.id if lot else False,
                    "location_id": supplier.id,
                    "location_dest_id": location.id,
                    "result_package_id": package[0].id if package else False,
                }
            )
        picking.move_ids.picked = True
        picking._action_done()
        return picking

    def new_production(self, qty=2, bom=None, product=None):
        """A confirmed MO for ``qty`` pumps, made by a planner, with its components reserved."""
        production = (
            self.env["mrp.production"]
            .with_user(self.planner)
            .create(
                {
                    "product_id": (product or self.pump).id,
                    "bom_id": (bom or self.bom).id,
                    "product_qty": qty,
                }
            )
        )
        production.action_confirm()
        production.action_assign()
        return production.sudo(False).with_user(self.env.user)

    def close(self, production):
        """Close the MO as a planner does in the UI: produce all, mark done.

        Odoo's consumption warning (an unplanned component on a BoM whose
        consumption is "warning") is confirmed, as the planner would.
        """
        production = production.with_user(self.planner)
        form = Form(production)
        form.qty_producing = production.product_qty
        production = form.save()
        result = production.button_mark_done()
        if isinstance(result, dict) and result.get("res_model") == "mrp.consumption.warning":
            Form.from_action(production.env, result).save().action_confirm()
        self.assertEqual(production.state, "done")
        return production

    def scan(self, barcode, production=None, user=None, **kwargs):
        """consume_scan as the operator, with a fresh scan id unless given."""
        kwargs.setdefault("scan_id", str(uuid.uuid4()))
        kwargs.setdefault("device_id", "HH-01")
        if production is not None and not isinstance(production, int | str):
            production = production.id
        Production = self.env["mrp.production"].with_user(user or self.operator)
        answer = Production.consume_scan(barcode, production=production, **kwargs)
        self.assertSumsAgree(answer)
        return answer

    def undo(self, production, user=None, **kwargs):
        kwargs.setdefault("scan_id", str(uuid.uuid4()))
        Production = self.env["mrp.production"].with_user(user or self.operator)
        answer = Production.undo_last_scan(production.id, **kwargs)
        self.assertSumsAgree(answer)
        return answer

    def assertSumsAgree(self, answer):
        """The check before a scan sums a component's moves in Python
        (``_scan_component_sums``), the answer in SQL (``_scan_components``):
        two ways to count the same thing, which must agree after every scan
        and undo of every test."""
        if not answer.get("production"):
            return
        production = self.env["mrp.production"].browse(answer["production"]["id"])
        for row in answer["components"]:
            product = self.env["product.product"].browse(row["product_id"])
            moves = self.env["stock.move"].search(
                [
                    ("raw_material_production_id", "=", production.id),
                    ("product_id", "=", product.id),
                ]
            )
            sums = production._scan_component_sums(product, moves)
            self.assertEqual(
                (sums["planned"], sums["consumed"]),
                (row["planned"], row["consumed"]),
                f"{product.display_name}: the check's sums and the answer's",
            )

    def quantity_at(self, product, location=None, lot=None):
        """On-hand quantity (reserved or not) of product (lot) under location."""
        quants = self.env["stock.quant"].search(
            [
                ("product_id", "=", product.id),
                ("location_id", "child_of", (location or self.stock).id),
            ]
        )
        if lot is not None:
            quants = quants.filtered(lambda q: q.lot_id == lot)
        return sum(quants.mapped("quantity"))

    def assertReservationsMatchQuants(self, product):
        """Each quant of ``product`` reserves exactly what its open move lines reserve.

        Read from the database (everything flushed first), per location, lot,
        package and owner: the quants' ``reserved_quantity`` against the sum of
        ``quantity_product_uom`` of the lines of moves not done, cancelled or
        draft. Also checks that some quant reserves something, so that the
        comparison is not vacuous.
        """
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT location_id, lot_id, package_id, owner_id, SUM(reserved_quantity)
              FROM stock_quant
             WHERE product_id = %(product)s
             GROUP BY location_id, lot_id, package_id, owner_id
            """,
            {"product": product.id},
        )
        quants = {row[:4]: row[4] for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            """
            SELECT ml.location_id, ml.lot_id, ml.package_id, ml.owner_id,
                   SUM(ml.quantity_product_uom)
              FROM stock_move_line ml
              JOIN stock_move m ON m.id = ml.move_id
              JOIN stock_location loc ON loc.id = ml.location_id
             WHERE ml.product_id = %(product)s
               AND m.state NOT IN ('done', 'cancel', 'draft')
               AND loc.usage NOT IN ('supplier', 'customer', 'inventory', 'production')
             GROUP BY ml.location_id, ml.lot_id, ml.package_id, ml.owner_id
            """,
            {"product": product.id},
        )
        lines = {row[:4]: row[4] for row in self.env.cr.fetchall()}
        self.assertTrue(any(quants.values()), f"{product.name}: nothing reserved at all")
        for key in set(quants) | set(lines):
            self.assertAlmostEqual(
                quants.get(key, 0.0),
                lines.get(key, 0.0),
                places=6,
                msg=f"{product.name} at (location, lot, package, owner) {key}: quants "
                "reserve what their move lines reserve",
            )

    def component(self, answer, product):
        rows = [row for row in answer["components"] if row["product_id"] == product.id]
        self.assertEqual(len(rows), 1, f"{product.name} in the answer's components")
        return rows[0]

    def log_of(self, answer):
        return self.env["mrp.barcode.scan"].search(
            [("scan_id", "=", answer["scan_id"])], order="id"
        )

    def assertRefused(self, answer, code, production=None):
        """Refused with ``code``, a message, nothing consumed, and logged as refused."""
        self.assertFalse(answer["ok"], answer)
        self.assertEqual(answer["code"], code, answer["message"])
        self.assertTrue(answer["message"])
        self.assertIsNone(answer["consumed"])
        log = self.log_of(answer) if answer["scan_id"] else None
        if log is not None:
            self.assertEqual(log[-1:].result, "refused")
            self.assertEqual(log[-1:].code, code)
        if production:
            self.assertFalse(
                production.move_raw_ids.filtered(lambda m: m.barcode_scanned),
                "a refused scan posts nothing",
            )
