"""A backend with cross-references, stock in two locations, users with the least rights.

Snapshots go in the way users give them: a CSV (or XLSX) file through the
import wizard, as an Inventory Sync user.
"""

import base64
import csv
import io
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.stock_sync.tests.common import StockSyncCase

HEADER = ("sku", "location", "lot", "status", "quantity", "unit")


class ReconciliationCase(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A warehouse of the tests' own: a full snapshot compares everything in it.
        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": "Recon Warehouse", "code": "RCW"}
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf A", "location_id": cls.stock.id}
        )
        # A backend kind that endpoints can send through (a LIMS backend, say, cannot).
        transports = dict(cls.env["stock.sync.endpoint"]._fields["transport"].selection)
        kinds = [
            kind
            for kind, _label in cls.env["stock.sync.backend"]._fields["kind"].selection
            if kind in transports
        ]
        cls.kind = kinds[0]
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": "Recon WMS",
                "kind": cls.kind,
                "base_url": "http://127.0.0.1:9",
                "auth_type": "none",
            }
        )
        # The backend's own endpoint: what it has not acknowledged is in flight. Off
        # unless a test switches it on (test_in_flight): no event is on its way then.
        cls.backend_endpoint = cls.env["stock.sync.endpoint"].create(
            {
                "name": "Recon WMS events",
                "active": False,
                "backend_id": cls.backend.id,
                "transport": cls.kind,
                "url": "http://127.0.0.1:9/events",
                "secret_ids": [Command.create({})],
            }
        )
        cls.env["stock.sync.xref.product"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-API",
                    "product_id": cls.product.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-PKG",
                    "product_id": cls.carton.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "EXT-RES",
                    "product_id": cls.lot_product.id,
                },
            ]
        )
        cls.env["stock.sync.xref.location"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "WH-STOCK",
                    "location_id": cls.stock.id,
                },
                {
                    "backend_id": cls.backend.id,
                    "external_code": "SHELF-A",
                    "location_id": cls.shelf.id,
                },
            ]
        )
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.env["stock.sync.xref.uom"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "external_code": "BOX10",
                    "uom_id": cls.product.uom_id.id,
                    "factor": 10,
                },
                {"backend_id": cls.backend.id, "external_code": "KG", "uom_id": cls.kg.id},
            ]
        )
        cls.product.standard_price = 10.0
        cls.carton.standard_price = 1.0
        cls.lot_product.standard_price = 5.0
        # Planners: an Inventory Sync user, and a manager who approves the large ones.
        cls.recon_user = cls.sync_user
        cls.recon_manager = cls.sync_manager
        cls.env["ir.config_parameter"].set_param("stock_sync_reconciliation.approval_value", "500")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @staticmethod
    def csv_file(rows, header=HEADER, delimiter=","):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode()

    def import_snapshot(self, content, user=None, file_name="snapshot.csv", **values):
        """Import ``content`` through the wizard as ``user``; returns the compared run."""
        values.setdefault("backend_id", self.backend.id)
        values.setdefault("warehouse_id", self.warehouse.id)
        values.setdefault("as_of", fields.Datetime.now())
        Wizard = self.env["stock.sync.reconciliation.import"].with_user(user or self.recon_user)
        wizard = Wizard.create(dict(values, file=base64.b64encode(content), file_name=file_name))
        action = wizard.action_import()
        return self.env["stock.sync.reconciliation"].browse(action["res_id"])

    def stock_up(self, product, quantity, location=None, lot_name=None):
        """Receive ``quantity`` into ``location`` through a validated receipt (events and all)."""
        location = location or self.stock
        picking = self._picking(
            self.warehouse.in_type_id, [(product, quantity)], self.supplier_loc, location
        )
        picking = picking.with_user(self.operator)
        picking.action_confirm()
        for move in picking.move_ids:
            if lot_name:
                move.move_line_ids.unlink()
                move.move_line_ids = [
                    Command.create(
                        {
                            "product_id": product.id,
                            "lot_name": lot_name,
                            "quantity": quantity,
                            "picking_id": picking.id,
                            "location_id": move.location_id.id,
                            "location_dest_id": location.id,
                        }
                    )
                ]
            else:
                move.quantity = quantity
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def line(self, run, product, **domain):
        lines = run.line_ids.filtered(lambda line: line.product_id == product)
        for key, value in domain.items():
            lines = lines.filtered(lambda line, key=key, value=value: line[key] == value)
        return lines

    def on_hand(self, product, location, lot=None):
        domain = [("product_id", "=", product.id), ("location_id", "=", location.id)]
        if lot is not None:
            domain.append(("lot_id", "=", lot.id))
        return sum(self.env["stock.quant"].search(domain).mapped("quantity"))

    @classmethod
    def new_product(cls, code, **values):
        return cls.env["product.product"].create(
            dict({"name": f"Product {code}", "default_code": code, "is_storable": True}, **values)
        )

    @classmethod
    def sync_user_of(cls, login, companies):
        return new_test_user(
            cls.env,
            login,
            groups="stock_sync.group_stock_sync_user",
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )

    def backdate(self, pickings, delta):
        """Move the done move lines (and their events) of ``pickings`` ``delta`` into the past."""
        lines = pickings.move_ids.move_line_ids
        for line in lines:
            line.date = line.date - delta
        pickings.move_ids.write({"date": fields.Datetime.now() - delta})
        return lines


HOUR = timedelta(hours=1)
