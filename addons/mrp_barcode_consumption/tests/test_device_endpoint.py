# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The device endpoint over real HTTP (Odoo's test server): one test per status."""

import json
import uuid
from unittest.mock import patch

from psycopg2 import errors

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from ..controllers import device
from ..controllers.rate_limit import TokenBucketLimiter, retry_after_header
from ..services.retrying import DEFAULT_TRIES
from ..services.scan_codes import CODES

SCAN_URL = "/mrp_barcode_consumption/v1/scan"
UNDO_URL = "/mrp_barcode_consumption/v1/undo"


@tagged("post_install", "-at_install")
class TestDeviceEndpoint(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.ref("base.main_company")
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.operator = new_test_user(
            cls.env, "dev_operator", groups="mrp_barcode_consumption.group_shop_floor_operator"
        )
        cls.clerk = new_test_user(cls.env, "dev_clerk", groups="base.group_user")
        cls.operator_key = cls._api_key(cls.operator)
        cls.clerk_key = cls._api_key(cls.clerk)
        cls.bolt = cls.env["product.product"].create(
            {"name": "Endpoint Bolt", "is_storable": True, "barcode": "EP-BOLT-0001"}
        )
        cls.stray = cls.env["product.product"].create(
            {"name": "Endpoint Stray", "is_storable": True, "barcode": "EP-STRAY-0001"}
        )
        cls.pump = cls.env["product.product"].create({"name": "Endpoint Pump", "is_storable": True})
        for product in cls.bolt | cls.stray:
            cls.env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": product.id,
                    "location_id": cls.warehouse.lot_stock_id.id,
                    "inventory_quantity": 50,
                }
            ).action_apply_inventory()
        cls.bom = cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": cls.pump.product_tmpl_id.id,
                "product_qty": 1,
                "bom_line_ids": [Command.create({"product_id": cls.bolt.id, "product_qty": 4})],
            }
        )
        cls.production = cls._confirmed_production()

    @classmethod
    def _api_key(cls, user):
        # sudo: a persistent key (no expiry) is an administrator's choice, made here
        # for the test user as an administrator would
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "handheld", None)

    @classmethod
    def _confirmed_production(cls, quantity=2):
        production = cls.env["mrp.production"].create(
            {"product_id": cls.pump.id, "product_qty": quantity, "bom_id": cls.bom.id}
        )
        production.action_confirm()
        return production

    def setUp(self):
        super().setUp()
        self.device_id = f"test-{uuid.uuid4().hex[:12]}"

    def post(self, url, body, key=None, raw=None, headers=None):
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else json.dumps(body).encode()
        return self.url_open(url, data=data, headers=headers)

    def scan(self, barcode, key=None, **fields):
        body = {
            "barcode": barcode,
            "production": self.production.id,
            "device_id": self.device_id,
            "scan_id": str(uuid.uuid4()),
        }
        body.update(fields)
        return self.post(SCAN_URL, body, key=key or self.operator_key)

    def assertRefusal(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        body = response.json()
        self.assertIs(body["ok"], False)
        self.assertEqual(body["code"], code)
        self.assertTrue(body["message"])
        return body

    def on_hand(self, product):
        product.invalidate_recordset()
        return product.with_context(location=self.warehouse.lot_stock_id.id).qty_available

    def remaining(self, body, product):
        (line,) = [c for c in body["components"] if c["product_id"] == product.id]
        return line["remaining"]

    # ------------------------------------------------------------ 200
    def test_200_a_scan_consumes_and_answers_the_service_result(self):
        response = self.scan("EP-BOLT-0001", quantity=3)
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertIs(body["ok"], True)
        self.assertEqual(body["code"], "consumed")
        self.assertEqual(body["production"]["id"], self.production.id)
        self.assertEqual(self.remaining(body, self.bolt), 5)
        self.assertNotIn("session_id", response.cookies, "save_session=False")
        self.assertEqual(self.on_hand(self.bolt), 47)

    def test_200_the_same_scan_id_again_is_a_replay_not_a_second_consumption(self):
        scan_id = str(uuid.uuid4())
        first = self.scan("EP-BOLT-0001", quantity=2, scan_id=scan_id)
        again = self.scan("EP-BOLT-0001", quantity=2, scan_id=scan_id)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertIs(again.json()["replayed"], True)
        self.assertEqual(self.remaining(again.json(), self.bolt), 6)

    def test_200_undo_gives_the_quantity_back(self):
        self.assertEqual(self.scan("EP-BOLT-0001", quantity=3).status_code, 200)
        body = {"production": self.production.id, "device_id": self.device_id, "scan_id": "u-1"}
        response = self.post(UNDO_URL, body, key=self.operator_key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["code"], "undone")
        self.assertEqual(self.remaining(response.json(), self.bolt), 8)

    def test_200_a_production_name_without_production_opens_it(self):
        response = self.scan(self.production.name, production=None)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["code"], "opened")
        self.assertEqual(response.json()["production"]["id"], self.production.id)

    # ------------------------------------------------------------ 400
    def test_400_malformed_json(self):
        response = self.post(SCAN_URL, None, key=self.operator_key, raw=b'{"barcode": ')
        self.assertRefusal(response, 400, "bad_json")

    def test_400_a_json_array_is_not_a_scan(self):
        response = self.post(SCAN_URL, ["EP-BOLT-0001"], key=self.operator_key)
        self.assertRefusal(response, 400, "bad_json")

    def test_400_missing_required_field(self):
        body = {"barcode": "EP-BOLT-0001", "device_id": self.device_id}
        body = self.assertRefusal(
            self.post(SCAN_URL, body, key=self.operator_key), 400, "missing_field"
        )
        self.assertIn("scan_id", body["message"])

    def test_400_unknown_field_is_named(self):
        body = self.assertRefusal(self.scan("EP-BOLT-0001", qty=3), 400, "unknown_field")
        self.assertIn("qty", body["message"])

    def test_400_wrong_types(self):
        self.assertRefusal(self.scan(["EP-BOLT-0001"]), 400, "bad_field")
        self.assertRefusal(self.scan("EP-BOLT-0001", quantity=True), 400, "bad_field")
        self.assertRefusal(self.scan("EP-BOLT-0001", production={"id": 1}), 400, "bad_field")
        self.assertRefusal(self.scan("EP-BOLT-0001", scan_id="x" * 65), 400, "bad_field")

    def test_400_a_quantity_that_is_not_a_number_reaches_the_service(self):
        # the service judges quantities (and logs the refusal in the scan log)
        response = self.scan("EP-BOLT-0001", quantity="lots")
        self.assertRefusal(response, 400, "bad_quantity")

    # ------------------------------------------------------------ 401 / 403
    def test_401_without_a_key_json_body_and_challenge(self):
        response = self.post(SCAN_URL, {"barcode": "EP-BOLT-0001"})
        self.assertRefusal(response, 401, "unauthorized")
        self.assertEqual(response.headers["WWW-Authenticate"], "Bearer")

    def test_401_with_a_wrong_key(self):
        response = self.scan("EP-BOLT-0001", key="0" * 40)
        self.assertRefusal(response, 401, "unauthorized")

    def test_403_a_user_who_is_not_a_shop_floor_operator(self):
        response = self.scan("EP-BOLT-0001", key=self.clerk_key)
        body = self.assertRefusal(response, 403, "forbidden")
        self.assertIn("Shop Floor Operator", body["message"])
        self.assertEqual(self.on_hand(self.bolt), 50)

    # ------------------------------------------------------------ 404 / 409 / 422
    def test_404_unknown_barcode(self):
        self.assertRefusal(self.scan("NO-SUCH-BARCODE"), 404, "unknown_barcode")

    def test_409_a_cancelled_production(self):
        production = self._confirmed_production()
        production.action_cancel()
        self.assertRefusal(self.scan("EP-BOLT-0001", production=production.id), 409, "mo_state")

    def test_409_same_scan_id_with_another_body(self):
        scan_id = str(uuid.uuid4())
        self.assertEqual(self.scan("EP-BOLT-0001", quantity=1, scan_id=scan_id).status_code, 200)
        response = self.scan("EP-BOLT-0001", quantity=2, scan_id=scan_id)
        self.assertRefusal(response, 409, "scan_conflict")

    def test_422_a_product_that_is_not_a_component(self):
        response = self.scan("EP-STRAY-0001")
        self.assertRefusal(response, 422, "not_a_component")
        self.assertEqual(self.on_hand(self.stray), 50)

    def test_every_service_code_gets_the_status_of_scan_codes(self):
        Production = self.registry["mrp.production"]
        for code, status in CODES.items():
            answer = {"ok": status == 200, "code": code, "message": code, "components": []}
            with (
                self.subTest(code=code),
                patch.object(Production, "consume_scan", lambda _m, _a=answer, **kw: dict(_a)),
            ):
                response = self.scan("EP-BOLT-0001")
                self.assertEqual(response.status_code, status, response.text)
                self.assertEqual(response.json()["code"], code)

    def test_422_an_exception_of_the_service_leaves_nothing_written(self):
        production = self.production

        def half_then_raise(model, **kwargs):
            # in the request's environment, as the service would write
            model.env["mrp.production"].browse(production.id).sudo().origin = "half-written"
            raise UserError(model.env._("The component location is locked."))

        with patch.object(self.registry["mrp.production"], "consume_scan", half_then_raise):
            body = self.assertRefusal(self.scan("EP-BOLT-0001"), 422, "refused")
        self.assertIn("locked", body["message"])
        production.invalidate_recordset(["origin"])
        self.assertFalse(production.origin)

    def test_409_retry_after_bounded_concurrency_failures(self):
        attempts = []

        def always_serialization_failure(model, **kwargs):
            attempts.append(kwargs["scan_id"])
            raise errors.SerializationFailure("could not serialize access")

        with patch.object(
            self.registry["mrp.production"], "consume_scan", always_serialization_failure
        ):
            body = self.assertRefusal(self.scan("EP-BOLT-0001"), 409, "retry")
        self.assertEqual(len(attempts), DEFAULT_TRIES)
        self.assertEqual(len(set(attempts)), 1, "every attempt carries the same scan id")
        self.assertEqual(body["scan_id"], attempts[0])

    # ------------------------------------------------------------ 413 / 429
    def test_413_an_oversized_body(self):
        big = json.dumps({"barcode": "EP-BOLT-0001", "pad": "x" * device.DEFAULT_MAX_BODY})
        response = self.post(SCAN_URL, None, key=self.operator_key, raw=big.encode())
        body = self.assertRefusal(response, 413, "body_too_large")
        self.assertIn(str(device.DEFAULT_MAX_BODY), body["message"])

    def test_411_a_chunked_body(self):
        chunks = iter([b'{"barcode": "EP-BOLT-0001", ', b'"device_id": "d", "scan_id": "s"}'])
        headers = {"Authorization": f"Bearer {self.operator_key}"}
        response = self.url_open(SCAN_URL, data=chunks, headers=headers)
        self.assertRefusal(response, 411, "length_required")

    def test_429_per_device_with_retry_after(self):
        self.env["ir.config_parameter"].set_param(device.PARAM_RATE, "2")
        self.assertEqual(self.scan("EP-BOLT-0001").status_code, 200)
        self.assertEqual(self.scan("NO-SUCH-BARCODE").status_code, 404)  # refusals count too
        response = self.scan("EP-BOLT-0001")
        body = self.assertRefusal(response, 429, "rate_limited")
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        self.assertIn(self.device_id, body["message"])
        # another device of the same user is not throttled
        self.device_id = f"{self.device_id}-b"
        self.assertEqual(self.scan("EP-BOLT-0001").status_code, 200)


@tagged("post_install", "-at_install")
class TestTokenBucket(BaseCase):
    def test_bucket_refills_at_the_rate(self):
        now = [1000.0]
        limiter = TokenBucketLimiter(clock=lambda: now[0])
        self.assertEqual([limiter.acquire("d", 3) for _ in range(3)], [0.0, 0.0, 0.0])
        wait = limiter.acquire("d", 3)
        self.assertAlmostEqual(wait, 20.0)  # one token every 20 s at 3 a minute
        self.assertEqual(retry_after_header(wait), "20")
        self.assertEqual(limiter.acquire("other", 3), 0.0)
        now[0] += 20.0
        self.assertEqual(limiter.acquire("d", 3), 0.0)
        self.assertGreater(limiter.acquire("d", 3), 0.0)

    def test_zero_means_unlimited_and_retry_after_is_never_zero(self):
        limiter = TokenBucketLimiter()
        self.assertTrue(all(limiter.acquire("d", 0) == 0.0 for _ in range(1000)))
        self.assertEqual(retry_after_header(0.01), "1")
