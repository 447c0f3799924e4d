"""Inbound push: the MES calls Odoo's SOAP door, SubmitConfirmations, signed."""

import requests
import zeep
from lxml import etree

from odoo.tests import tagged

from ..services.soap_push import NS
from .common import MesCase
from .mes_simulator import submit_envelope


@tagged("post_install", "-at_install")
class TestPush(MesCase):
    def setUp(self):
        super().setUp()
        self.stock_components()

    def results(self, text):
        root = etree.fromstring(text.encode())
        return [
            {child.tag.split("}")[1]: child.text for child in result}
            for result in root.iter(f"{{{NS}}}Result")
        ]

    def fault_string(self, text):
        return etree.fromstring(text.encode()).findtext(".//faultstring")

    def refusals(self):
        return self.inbound().filtered(lambda r: r.external_id == "(request refused)")

    def test_odoo_serves_a_wsdl_zeep_reads(self):
        session = requests.Session()
        client = zeep.Client(
            self.sim.push_url + "?wsdl", transport=zeep.transports.Transport(session=session)
        )
        (service,) = client.wsdl.services.values()
        (port,) = service.ports.values()
        self.assertEqual(list(port.binding._operations), ["SubmitConfirmations"])
        self.assertEqual(port.binding_options["address"], self.sim.push_url)

    def test_pushed_confirmations_are_applied(self):
        production = self.new_production(2)
        consumption = self.sim.confirm("consumption", production.name, "EXT-API", 4)
        production_done = self.sim.confirm("production", production.name, "EXT-TAB", 2)
        status, text = self.sim.push([consumption, production_done])
        self.assertEqual(status, 200, text)
        self.assertEqual(
            self.results(text),
            [
                {"Id": consumption["Id"], "Status": "accepted"},
                {"Id": production_done["Id"], "Status": "accepted"},
            ],
        )
        self.apply()
        self.assertEqual(self.inbound().mapped("state"), ["done", "done"])
        self.assertEqual(self.inbound().mapped("source"), ["push", "push"])
        self.assertEqual(production.state, "done")
        self.assertEqual(self.on_hand(self.tablet), 2)
        self.assertEqual(self.on_hand(self.product), 96)
        # The same confirmation again (another request): a duplicate, applied once.
        status, text = self.sim.push([consumption])
        self.assertEqual(self.results(text)[0]["Status"], "duplicate")
        self.assertOutboxMatchesStockLedger()

    def test_bad_values_are_answered_one_by_one(self):
        production = self.new_production(2)
        good = self.sim.confirm("consumption", production.name, "EXT-API", 1)
        words = dict(good, Id="mes-words", Quantity="two")
        negative = dict(good, Id="mes-negative", Quantity="-3")
        status, text = self.sim.push([words, negative, good])
        self.assertEqual(status, 200)
        words_r, negative_r, good_r = self.results(text)
        self.assertEqual(words_r["Status"], "rejected")
        self.assertIn("'data.quantity' must be a number, got 'two'", words_r["Error"])
        self.assertEqual(negative_r["Status"], "rejected")
        self.assertIn("must be more than 0", negative_r["Error"])
        self.assertEqual(good_r["Status"], "accepted")
        self.apply()
        self.assertEqual(self.inbound().mapped("state"), ["rejected", "rejected", "done"])
        self.assertEqual(self.on_hand(self.product), 99)
        self.assertOutboxMatchesStockLedger()

    def test_requests_refused_as_a_whole(self):
        production = self.new_production(1)
        confirmation = self.sim.confirm("consumption", production.name, "EXT-API", 1)
        cases = [
            ({"secret": "whsec_" + "A" * 32}, 401, "Signature refused"),
            ({"timestamp": 1_000_000_000}, 401, "Signature refused"),
            ({"body": b"<soap:Envelope><unclosed"}, 500, "not well-formed XML"),
            (
                {
                    "body": submit_envelope([confirmation])
                    .replace("SubmitConfirmations", "Submit")
                    .encode()
                },
                500,
                "Unknown operation Submit",
            ),
            ({"body": b"<x/>" + b" " * 9000}, 413, "larger than 8 KiB"),
        ]
        for kwargs, expected_status, message in cases:
            status, text = self.sim.push([confirmation], **kwargs)
            self.assertEqual(status, expected_status, text)
            self.assertIn(message, self.fault_string(text))
            self.assertIn("soap:Client", text)
        self.assertEqual(len(self.refusals()), len(cases), "each logged where people look")
        self.assertTrue(
            all(
                message in r.error
                for r, (_k, _s, message) in zip(self.refusals().sorted("id"), cases, strict=True)
            )
        )
        self.assertEqual(self.on_hand(self.product), 100, "nothing applied")

    def test_a_replayed_request_is_answered_duplicate(self):
        production = self.new_production(1)
        confirmation = self.sim.confirm("consumption", production.name, "EXT-API", 1)
        self.sim.push([confirmation], webhook_id="msg_1")
        other = self.sim.confirm("consumption", production.name, "EXT-API", 1)
        status, text = self.sim.push([other], webhook_id="msg_1")
        self.assertEqual(status, 200)
        self.assertEqual(self.results(text)[0]["Status"], "duplicate")
        self.assertEqual(len(self.inbound()), 1, "the replay recorded nothing")
        self.apply()
        self.assertEqual(self.on_hand(self.product), 99)
        self.assertOutboxMatchesStockLedger()
