"""The channels' JSON API over HTTP: API keys as bearer tokens, clear JSON errors."""

import datetime

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AvailabilityCase

URL = "/api/stock_sync_availability/v1/channels/%s/availability"


@tagged("post_install", "-at_install")
class TestAvailabilityApi(AvailabilityCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_on_hand(cls.product, 40)
        cls.plan_move(cls.product, 15, cls.stock, cls.customer_loc, 2)
        cls.plan_move(cls.product, 5, cls.supplier_loc, cls.stock, 4)
        cls.api_user = new_test_user(
            cls.env,
            "shop_api",
            groups="base.group_user,stock_sync_availability.group_stock_sync_availability_api",
        )
        cls.other_api_user = new_test_user(
            cls.env,
            "other_api",
            groups="base.group_user,stock_sync_availability.group_stock_sync_availability_api",
        )
        cls.no_group_user = new_test_user(cls.env, "no_api_group", groups="base.group_user")
        cls.channel = cls.make_channel(
            "Shop",
            cls.warehouse | cls.warehouse2,
            buffer_value=10,
            api_user_ids=[Command.set([cls.api_user.id, cls.no_group_user.id])],
        )
        cls.other_channel = cls.make_channel(
            "Other", cls.warehouse, api_user_ids=[Command.set(cls.other_api_user.ids)]
        )
        tomorrow = fields.Datetime.now() + datetime.timedelta(days=1)
        cls.key = (
            cls.env["res.users.apikeys"].with_user(cls.api_user)._generate(None, "shop", tomorrow)
        )
        cls.no_group_key = (
            cls.env["res.users.apikeys"].with_user(cls.no_group_user)._generate(None, "x", tomorrow)
        )

    def get(self, query, key=None, channel=None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.url_open(
            (URL % (channel or self.channel).id) + query, headers=headers, allow_redirects=False
        )

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        error = response.json()["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])
        return error

    def test_availability(self):
        response = self.get("?products=API-001&horizon=10", self.key)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["horizon_days"], 10)
        (product,) = body["products"]
        # WH: 40 - 15 (day 2) = 25, +5 on day 4: ATP 25; WH2: 0. Buffer 10%: 22.5 -> 22
        self.assertEqual((product["atp"], product["quantity"]), (25, 22))
        wh = {w["code"]: w for w in product["warehouses"]}
        self.assertEqual(wh[self.warehouse.code]["on_hand"], 40)
        self.assertEqual(
            [(d["projected"], d["atp"]) for d in wh[self.warehouse.code]["timeline"]],
            [(40, 25), (25, 25), (30, 30)],
        )
        only = self.get(f"?products=API-001&warehouse={self.warehouse2.code}", self.key).json()
        self.assertEqual([w["code"] for w in only["products"][0]["warehouses"]], ["WH2"])

    def test_missing_and_bad_keys(self):
        error = self.assertError(self.get("?products=API-001"), 401, "missing_api_key")
        self.assertIn("Authorization: Bearer", error["message"])
        self.assertError(self.get("?products=API-001", "not-a-key"), 401, "invalid_api_key")
        self.assertEqual(self.get("?products=API-001").headers["WWW-Authenticate"], "Bearer")

    def test_user_outside_the_group(self):
        self.assertError(self.get("?products=API-001", self.no_group_key), 403, "forbidden")

    def test_unknown_inputs(self):
        self.assertError(self.get("?products=API-001,NOPE-1", self.key), 404, "unknown_product")
        self.assertError(
            self.get("?products=API-001&warehouse=ZZZ", self.key), 404, "unknown_warehouse"
        )
        # A channel that exists but does not name this key's user: as if unknown.
        self.assertError(
            self.get("?products=API-001", self.key, self.other_channel), 404, "unknown_channel"
        )
        self.assertError(self.get("", self.key), 400, "missing_products")

    def test_bad_horizon(self):
        error = self.assertError(
            self.get("?products=API-001&horizon=9999", self.key), 400, "bad_horizon"
        )
        self.assertIn("from 0 to 365", error["message"])
        self.assertError(self.get("?products=API-001&horizon=soon", self.key), 400, "bad_horizon")
