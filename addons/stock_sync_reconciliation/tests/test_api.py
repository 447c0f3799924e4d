"""The snapshot API: an Inventory Sync user's API key posts a snapshot; bad input is a JSON 400."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ReconciliationCase

URL = "/api/stock_sync_reconciliation/v1/snapshots"


@tagged("post_install", "-at_install")
class TestSnapshotApi(ReconciliationCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.recon_user)
            ._generate(None, "WMS snapshots", fields.Datetime.now() + timedelta(days=1))
        )

    def post(self, body, key=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.url_open(URL, data=data, headers=headers)

    def body(self, **values):
        return dict(
            {
                "as_of": fields.Datetime.now().isoformat() + "Z",
                "warehouse": self.warehouse.code,
                "backend_id": self.backend.id,
                "full_snapshot": False,
                "lines": [{"sku": "EXT-API", "location": "WH-STOCK", "quantity": 7}],
            },
            **values,
        )

    def test_post_a_snapshot(self):
        self.stock_up(self.product, 10)
        response = self.post(self.body())
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        self.assertEqual(answer["counts"]["quantity"], 1)
        self.assertEqual(answer["state"], "to_approve")
        run = self.env["stock.sync.reconciliation"].browse(answer["id"])
        self.assertRecordValues(self.line(run, self.product), [{"qty_odoo": 10, "qty_external": 7}])
        self.assertEqual(run.create_uid, self.recon_user)

    def test_bad_input_is_a_json_400_and_nothing_is_kept(self):
        Run = self.env["stock.sync.reconciliation"]
        before = Run.search_count([])
        cases = [
            (b"{not json", "not JSON"),
            (self.body(lines=[]), "non-empty list"),
            (self.body(lines=[{"sku": "EXT-API", "quantity": -1}]), "negative"),
            (
                self.body(lines=[{"sku": "EXT-API", "quantity": 1, "unit": "KG"}]),
                "another category",
            ),
            (self.body(warehouse="NOPE"), "Unknown warehouse"),
            (self.body(as_of="yesterday"), "ISO 8601"),
            (self.body(as_of=(fields.Datetime.now() + timedelta(days=1)).isoformat()), "future"),
        ]
        for body, message in cases:
            with self.subTest(message=message):
                response = self.post(body)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn(message, response.json()["message"])
        self.assertEqual(Run.search_count([]), before)

    def test_rights(self):
        self.assertEqual(self.post(self.body(), key=False).status_code, 401)
        operator = new_test_user(self.env, "recon_api_operator", groups="stock.group_stock_user")
        key = (
            self.env["res.users.apikeys"]
            .with_user(operator)
            ._generate(None, "no rights", fields.Datetime.now() + timedelta(days=1))
        )
        response = self.post(self.body(), key=key)
        self.assertEqual(response.status_code, 403)
