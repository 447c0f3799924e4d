"""Broker backends: addresses, secrets for managers only, neutralization, type mapping."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from odoo.addons.stock_sync.tests.common import StockSyncCase

from ..models.stock_sync_backend import canonical_type
from ..services.broker_settings import BrokerAddressError, mqtt_topic, parse_address


@tagged("post_install", "-at_install")
class TestBrokerConfig(StockSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["stock.sync.backend"].create(
            {
                "name": "Plant broker",
                "kind": "mqtt",
                "base_url": "mqtts://broker.example.com:8883",
                "auth_type": "none",
                "username": "odoo",
                "password": "s3cret",
                "mq_cert_file": "/etc/odoo/client.pem",
                "mq_subscriptions": "plant1/machines/+/counts",
            }
        )

    def test_addresses(self):
        self.assertEqual(
            parse_address("amqps://rabbit.example.com/plant1").describe(),
            "amqps://rabbit.example.com:5671",
        )
        self.assertEqual(parse_address("amqp://h/plant%2F1").vhost, "plant/1")
        for url, words in [
            ("http://broker:1883", "mqtt://"),
            ("mqtt://user:pw@broker", "Authentication tab"),
            ("mqtt://broker/some/path", "no path"),
            ("mqtt://broker:99999", "malformed"),
        ]:
            with self.assertRaisesRegex(BrokerAddressError, words):
                parse_address(url)
        with self.assertRaisesRegex(ValidationError, "speaks AMQP"):
            self.backend.copy({"kind": "amqp", "base_url": "mqtt://broker:1883"})
        with self.assertRaisesRegex(ValidationError, "wildcards"):
            self.backend.mq_topic_prefix = "plant1/#"

    def test_topics_and_types(self):
        self.assertEqual(
            mqtt_topic("plant1/inventory", "product:12@company:3"), "plant1/inventory/3/12"
        )
        self.assertEqual(mqtt_topic("p/", "lot+1/#"), "p/lot_1__")
        self.assertEqual(canonical_type("com.acme.mes.adjustment.v1"), "adjustment")
        self.assertEqual(canonical_type("count"), "count")
        self.assertEqual(canonical_type("com.acme.unknown.v2"), "com.acme.unknown.v2")

    def test_partition_keys_as_the_engine_claimed_them(self):
        from odoo.addons.stock_sync.services.transport import Batch  # noqa: PLC0415

        from ..services.publish_result import BrokerTransport  # noqa: PLC0415

        events = [("e1", '{"partitionkey": "product:1@company:1"}'), ("e2", "{}")]
        claimed = Batch(("db", 1), "mqtt://h", 1.0, events, "[]", {}, partition_keys=["k1", "k2"])
        self.assertEqual(
            BrokerTransport.keyed(claimed),
            [("e1", events[0][1], "k1"), ("e2", "{}", "k2")],
            "the engine's keys, no JSON read",
        )
        # A batch built without them (an older caller): each event's JSON says it.
        self.assertEqual(
            [
                key
                for _id, _text, key in BrokerTransport.keyed(
                    Batch(("db", 1), "", 1.0, events, "[]", {})
                )
            ],
            ["product:1@company:1", None],
        )

    def test_secrets_are_for_managers_only(self):
        for user in (self.sync_user, self.stock_manager):
            with self.assertRaises(AccessError):
                self.backend.with_user(user).read(["password"])
            with self.assertRaises(AccessError):
                self.backend.with_user(user).read(["mq_cert_file"])
        values = self.backend.with_user(self.sync_manager).read(["password", "mq_cert_file"])[0]
        self.assertEqual(values["password"], "s3cret")
        settings = self.backend._mq_settings()
        self.assertEqual((settings.username, settings.password), ("odoo", "s3cret"))
        self.assertNotIn("s3cret", repr(settings.address.describe()))

    def test_settings_change_gives_a_new_pool_key(self):
        before = self.backend._mq_settings().key
        self.backend.password = "rotated"
        self.assertNotEqual(self.backend._mq_settings().key, before)

    def test_neutralize(self):
        endpoint = self.env["stock.sync.endpoint"].create(
            {"name": "To broker", "transport": "mqtt", "backend_id": self.backend.id}
        )
        self.env.flush_all()
        with file_open("stock_sync_mq/data/neutralize.sql") as script:
            self.env.cr.execute(script.read())
        self.env.invalidate_all()
        self.assertRecordValues(
            self.backend,
            [
                {
                    "base_url": "mqtt://neutralized.invalid",
                    "mq_subscriptions": False,
                    "mq_cert_file": False,
                    "password": False,
                }
            ],
        )
        self.assertEqual(endpoint.url, "mqtt://neutralized.invalid")

    def test_endpoint_without_backend_waits(self):
        from odoo.addons.stock_sync.services.transport import Batch  # noqa: PLC0415

        endpoint = self.env["stock.sync.endpoint"].create(
            {"name": "Lonely", "transport": "amqp", "url": "amqp://broker.example.com"}
        )
        result = endpoint._transport().send(
            Batch(("db", endpoint.id), endpoint.url, 1.0, [], "[]", {})
        )
        self.assertTrue(result.endpoint_problem)
        self.assertIn("no broker backend", result.error)

    def test_amqp_connection_that_fails_to_publish_is_closed(self):
        """A connection whose channel the broker refuses, or whose send fails in an
        unexpected way, is closed: none is left open outside the pool."""
        from unittest.mock import MagicMock, patch  # noqa: PLC0415

        from pika import exceptions as pika_errors  # noqa: PLC0415

        from odoo.addons.stock_sync.services.transport import Batch  # noqa: PLC0415

        from ..services import amqp_transport  # noqa: PLC0415

        self.backend.write({"kind": "amqp", "base_url": "amqp://broker.example.com"})
        endpoint = self.env["stock.sync.endpoint"].create(
            {"name": "To broker", "transport": "amqp", "backend_id": self.backend.id}
        )
        self.addCleanup(amqp_transport.drop, ("db", endpoint.id))
        batch = Batch(("db", endpoint.id), endpoint.url, 1.0, [("e1", "{}")], "[]", {})
        refused = MagicMock(is_open=True)
        refused.channel.side_effect = pika_errors.ChannelWrongStateError("channel gone")
        with patch.object(amqp_transport, "connect", return_value=(refused, None)):
            result = endpoint._transport().send(batch)
        self.assertEqual(result.error_class, "connection")
        refused.close.assert_called_once()
        broken = MagicMock(is_open=True)
        broken.channel.return_value.basic_publish.side_effect = RuntimeError("a bug")
        with (
            patch.object(amqp_transport, "connect", return_value=(broken, None)),
            self.assertRaises(RuntimeError),
        ):
            endpoint._transport().send(batch)
        broken.close.assert_called_once()
