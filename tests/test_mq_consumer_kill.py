"""The broker consumer PROCESS killed with SIGKILL between commit and acknowledgement.

``scripts/mq_consumer.py`` runs as a real process against our own Mosquitto
and this database, so everything it needs is committed (``CommittedCase``).
Its test-only fault injection (``STOCK_SYNC_MQ_TEST_PAUSE_BEFORE_ACK``) makes
it sleep after its transaction committed and before it acknowledges; the
test sees the commit in the database, sends ``kill -9``, publishes more
while it is down, and starts it again: the unacknowledged messages come
again from the persistent session and are recorded as duplicates, the later
ones are applied, each message moves stock exactly once and none is lost.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import paho.mqtt.client as mqtt
from mq_committed_case import MqCommittedCase
from paho.mqtt.enums import CallbackAPIVersion

from odoo.tests import get_db_name, tagged
from odoo.tools import config

from odoo.addons.stock_sync_mq.services.consumer import PAUSE_BEFORE_ACK_ENV
from odoo.addons.stock_sync_mq.services.mqtt_transport import client_for
from odoo.addons.stock_sync_mq.tests.brokers import Mosquitto

SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "addons/stock_sync_mq/scripts/mq_consumer.py",
)
WAIT = 90  # seconds, at most, for any step (a process loads the registry first)


@tagged("post_install", "-at_install")
class TestMqConsumerKill(MqCommittedCase):
    broker_class = Mosquitto

    def setUp(self):
        super().setUp()
        self.topic_root = f"plant-kill/{self.tag}"
        with self.env_cr() as env:
            product = env["product.product"].create(
                {"name": f"Kill test part {self.tag}", "is_storable": True}
            )
        settings = self.make_backend(
            "mqtt",
            {"KILL-SKU": product.id},
            f"{self.topic_root}/+/counts",
            mq_client_id=f"kill-test-{self.tag}",
        )
        self.product_id = product.id
        self.create_session(settings)
        self.processes = []
        self.addCleanup(self.kill_all)

    @staticmethod
    def create_session(settings):
        """The consumer's persistent session with its subscription: messages wait in it."""
        client, connect = client_for(settings, settings.client_id, clean=False)
        subscribed = []
        client.on_connect = lambda c, *_a: c.subscribe(
            [(topic, 1) for topic in settings.subscriptions]
        )
        client.on_subscribe = lambda *_a: subscribed.append(True)
        client.connect(settings.address.host, settings.address.port, **connect)
        client.loop_start()
        try:
            deadline = time.monotonic() + 10
            while not subscribed and time.monotonic() < deadline:
                time.sleep(0.05)
            assert subscribed, "the session's subscription was not acknowledged"
        finally:
            client.disconnect()
            client.loop_stop()

    def publish(self, *messages):
        """``messages``: (msg_id, quantity), published QoS 1 and acknowledged by the broker."""
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        client.connect("127.0.0.1", self.broker.port)
        client.loop_start()
        try:
            for msg_id, quantity in messages:
                body = json.dumps(
                    {
                        "msg_id": msg_id,
                        "type": "adjustment",
                        "data": {"sku": "KILL-SKU", "location": "WH-STOCK", "quantity": quantity},
                    }
                )
                info = client.publish(f"{self.topic_root}/press-1/counts", body, qos=1)
                info.wait_for_publish(10)
                self.assertTrue(info.is_published())
        finally:
            client.disconnect()
            client.loop_stop()

    def start_consumer(self, pause_before_ack=None):
        environ = dict(os.environ)
        environ.pop(PAUSE_BEFORE_ACK_ENV, None)
        if pause_before_ack:
            environ[PAUSE_BEFORE_ACK_ENV] = str(pause_before_ack)
        log = tempfile.NamedTemporaryFile(prefix="mq-consumer-", suffix=".log", delete=False)  # noqa: SIM115
        self.addCleanup(os.unlink, log.name)
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [
                sys.executable,
                SCRIPT,
                "-c",
                config.rcfile,
                "-d",
                get_db_name(),
                "--backend",
                str(self.backend_id),
                "--refresh",
                "3600",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environ,
        )
        process.log = log
        self.processes.append(process)
        return process

    def kill_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            process.log.close()

    def records(self):
        """{msg_id: [states]} of the backend's inbound log, committed."""
        with self.env_cr() as env:
            env.cr.execute(
                "SELECT external_id, state FROM stock_sync_inbound WHERE backend_id = %s"
                " ORDER BY id",
                (self.backend_id,),
            )
            found = {}
            for external_id, state in env.cr.fetchall():
                found.setdefault(external_id, []).append(state)
            return found

    def wait_records(self, predicate, process, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = self.records()
            if predicate(found):
                return found
            self.assertIsNone(process.poll(), f"the consumer exited: {self.log_of(process)}")
            time.sleep(0.05)
        self.fail(f"{what} within {WAIT} s; inbound log {self.records()}: {self.log_of(process)}")

    @staticmethod
    def log_of(process):
        with open(process.log.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-3000:]

    def on_hand(self):
        with self.env_cr() as env:
            env.cr.execute(
                "SELECT COALESCE(SUM(quantity), 0) FROM stock_quant"
                " WHERE product_id = %s AND location_id = %s",
                (self.product_id, self.stock_id),
            )
            return env.cr.fetchone()[0]

    def test_sigkill_between_commit_and_ack_applies_once_and_loses_nothing(self):
        before_kill = [(f"k-{n}", n + 1) for n in range(3)]  # 1 + 2 + 3
        while_down = [(f"k-{n}", 10 * n) for n in range(3, 5)]  # 30 + 40
        self.publish(*before_kill)
        first = self.start_consumer(pause_before_ack=600)
        committed = self.wait_records(
            lambda found: any(states == ["done"] for states in found.values()),
            first,
            "the first consumer committed nothing",
        )
        # Committed, not acknowledged: the consumer sleeps before its ack. Kill it now.
        os.kill(first.pid, signal.SIGKILL)
        self.assertEqual(first.wait(10), -signal.SIGKILL)
        applied_before_kill = {msg_id for msg_id, states in self.records().items()}
        self.assertTrue(applied_before_kill <= dict(before_kill).keys(), committed)

        self.publish(*while_down)
        second = self.start_consumer()
        expected = dict(before_kill + while_down)
        found = self.wait_records(
            lambda found: (
                set(found) == set(expected)
                and all(
                    len(found[msg_id]) == (2 if msg_id in applied_before_kill else 1)
                    for msg_id in expected
                )
            ),
            second,
            "not every message applied and every unacknowledged one redelivered",
        )
        second.send_signal(signal.SIGTERM)
        self.assertEqual(second.wait(30), 0, self.log_of(second))

        # Each message applied exactly once; those committed before the kill came again
        # (never acknowledged) and were recorded as duplicates; none was lost.
        for msg_id in expected:
            wanted = ["done", "duplicate"] if msg_id in applied_before_kill else ["done"]
            self.assertEqual(found[msg_id], wanted, msg_id)
        self.assertEqual(self.on_hand(), sum(expected.values()))
        self.assert_ledger()
