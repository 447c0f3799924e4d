"""The MES backend: Test Connection says what worked (WSDL, reachable, authenticated)."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from odoo.addons.stock_sync_connector_soap.services import soap_client

from .common import MesCase


@tagged("post_install", "-at_install")
class TestMesBackend(MesCase):
    def test_connection(self):
        self.backend.action_test_connection()
        self.assertTrue(self.backend.last_test_ok)
        self.assertIn("WSDL parsed (4 operations)", self.backend.last_test_result)
        self.assertIn("authenticated", self.backend.last_test_result)
        self.assertEqual([c[0] for c in self.sim.calls], ["wsdl", "Ping"])
        self.backend.action_test_connection()
        self.assertEqual(
            [c[0] for c in self.sim.calls],
            ["wsdl", "Ping", "wsdl", "Ping"],
            "a test reads the MES's current WSDL",
        )
        self.backend._mes_client().call("Ping")
        self.assertEqual(len(self.sim.calls), 5, "other calls reuse the client: no WSDL read")

    def test_refused_credentials(self):
        self.sim.api_key = "rotated"
        self.backend.action_test_connection()
        self.assertFalse(self.backend.last_test_ok)
        self.assertIn("WSDL parsed", self.backend.last_test_result)
        self.assertIn("refused the credentials (HTTP 401)", self.backend.last_test_result)

    def test_basic_authentication(self):
        self.sim.basic = ("mes-user", "s3cret")
        self.backend.write({"auth_type": "basic", "username": "mes-user", "password": "s3cret"})
        self.backend.action_test_connection()
        self.assertTrue(self.backend.last_test_ok, self.backend.last_test_result)
        self.backend.password = "wrong"
        self.backend.action_test_connection()
        self.assertIn("refused the credentials", self.backend.last_test_result)

    def test_unreachable_wsdl(self):
        self.backend.base_url = "http://127.0.0.1:9/mes?wsdl"
        self.backend.action_test_connection()
        self.assertFalse(self.backend.last_test_ok)
        self.assertIn("The WSDL could not be read (ConnectionError)", self.backend.last_test_result)

    def test_wsdl_that_is_not_xml(self):
        self.sim.broken_wsdl = True
        self.backend.base_url = self.sim.wsdl_url + "&v=2"  # other settings: read again
        self.backend.action_test_connection()
        self.assertFalse(self.backend.last_test_ok)
        self.assertIn("The WSDL was read but could not be parsed", self.backend.last_test_result)

    def test_wsdl_of_another_service(self):
        """Odoo's own push WSDL parses, but it is not an MES: the test names what lacks."""
        self.backend.base_url = self.sim.push_url + "?wsdl"
        self.backend.action_test_connection()
        self.assertFalse(self.backend.last_test_ok)
        self.assertIn(
            "WSDL was parsed (1 operations), but it is not an Inventory Sync MES service: it "
            "lacks Ping, ReportMaterialAvailability, ReportLotStatus, GetConfirmations",
            self.backend.last_test_result,
        )

    def test_soap_fault_and_timeout_on_ping(self):
        self.sim.fault("soap_fault", code="Server.Maintenance", message="down for maintenance")
        self.backend.action_test_connection()
        self.assertIn(
            "SOAP fault soap:Server.Maintenance: down for maintenance",
            self.backend.last_test_result,
        )
        self.backend.read_timeout = 0.3
        self.sim.fault("timeout", delay=1.5)
        self.backend.action_test_connection()
        self.assertIn(
            "No answer from Test MES (simulator) to Ping within 0.3 s",
            self.backend.last_test_result,
        )

    def test_service_address_overrides_the_wsdl(self):
        self.backend.soap_address = "http://127.0.0.1:9/nowhere"
        self.backend.action_test_connection()
        self.assertIn("Could not connect", self.backend.last_test_result)
        self.assertNotIn("Ping", [c[0] for c in self.sim.calls])

    def test_fault_codes(self):
        for code, retryable in (
            ("soap:Client", False),
            ("soap11env:Client.UnknownMaterial", False),
            ("env:Sender", False),
            ("soap:Server", True),
            ("soap:Server.Busy", True),
            ("Receiver", True),
            (None, True),
        ):
            self.assertEqual(soap_client.fault_is_retryable(code), retryable, code)

    def test_secrets_and_neutralize(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.sync_user).read(["api_key"])
        self.backend.soap_address = "http://127.0.0.1:9/mes"
        self.env.flush_all()
        for module in ("stock_sync_connector", "stock_sync_connector_soap"):
            with file_open(f"{module}/data/neutralize.sql") as sql:
                self.env.cr.execute(sql.read())
        self.env.invalidate_all()
        self.assertRecordValues(
            self.backend.with_context(active_test=False),
            [{"active": False, "soap_address": False, "api_key": False}],
        )
