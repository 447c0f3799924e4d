"""The MQTT transport (3.1.1 and 5, paho-mqtt): one message per event, QoS 1.

Each event goes to ``<topic prefix>/<company id>/<product id>`` as a
CloudEvent in the MQTT binding's structured mode: the payload is the event's
JSON; in MQTT 5 the Content Type property says ``application/cloudevents+json``
and user properties carry the Standard Webhooks signature of that one
message (``webhook-id`` = the event id, ``webhook-timestamp``,
``webhook-signature``). An event is delivered only when the broker's PUBACK
came back (and, in MQTT 5, said success). Messages of a batch are pipelined
on one connection, which keeps their order per topic (MQTT 3.1.1 section
4.6); what the broker did not acknowledge is retried by the engine.

One connection per endpoint settings and process, kept between batches,
with an explicit connect timeout, the backend's keepalive, no automatic
reconnection (a lost connection fails the batch; the engine retries) and no
session state (clean session: the engine, not the client, holds what is unsent).
"""

import logging
import ssl
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from odoo.addons.stock_sync.services import webhook_signature
from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    CONNECTION,
    DELIVERED,
    INVALID_RESPONSE,
    REFUSED,
    RETRY,
    TIMEOUT,
    SendResult,
    Transport,
    register,
)

from . import publish_result
from .broker_settings import CONTENT_TYPE, MQTT, BrokerAddressError, mqtt_topic, parse_address

_logger = logging.getLogger(__name__)

# CONNACK reason codes that say the settings are wrong (MQTT 5 section 3.2.2.2;
# paho maps 3.1.1's return codes 1, 2, 4 and 5 onto them).
CONFIG_REFUSALS = {0x84, 0x85, 0x86, 0x87, 0x8C, 0x95}


class ConnectFailed(Exception):
    """The broker could not be reached or refused us: ``result`` says how."""

    def __init__(self, result):
        super().__init__(result.error)
        self.result = result


def client_for(settings, client_id, clean=True, receive_maximum=None):
    """A paho client configured from ``settings`` (not yet connected).

    ``clean`` false asks for a persistent session (the consumer's);
    ``receive_maximum`` bounds the messages the broker sends unacknowledged
    (MQTT 5; a 3.1.1 broker applies its own in-flight limit).
    Raises ``OSError``/``ssl.SSLError`` for unreadable TLS files.
    """
    v5 = settings.mqtt_version == "5"
    kwargs = (
        {"protocol": mqtt.MQTTv5} if v5 else {"protocol": mqtt.MQTTv311, "clean_session": clean}
    )
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, reconnect_on_failure=False, **kwargs
    )
    client.connect_timeout = settings.connect_timeout
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    context = settings.tls_context()
    if context is not None:
        client.tls_set_context(context)
    client.max_inflight_messages_set(max(settings.prefetch, 20))
    client.max_queued_messages_set(0)
    connect = {"keepalive": settings.keepalive}
    if v5:
        properties = Properties(PacketTypes.CONNECT)
        if not clean:
            properties.SessionExpiryInterval = 0xFFFFFFFF  # the session outlives a crash
        if receive_maximum:
            properties.ReceiveMaximum = receive_maximum
        connect.update(clean_start=clean, properties=properties)
    return client, connect


class _Connection:
    """A connected publisher: PUBACKs and losses reported through a condition."""

    def __init__(self, settings):
        self.settings = settings
        self.cond = threading.Condition()
        self.acks = {}  # mid -> reason code
        self.connack = None
        self.lost = None
        self.lock = threading.Lock()  # one batch at a time on a connection
        self.client, connect = client_for(settings, f"odoo-pub-{uuid.uuid4().hex[:16]}")
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        where = settings.address.describe()
        try:
            self.client.connect(settings.address.host, settings.address.port, **connect)
        except TimeoutError as exc:
            raise ConnectFailed(
                SendResult(
                    RETRY,
                    error_class=TIMEOUT,
                    error=f"No answer from {where} within "
                    f"{settings.connect_timeout:g} s ({exc.__class__.__name__}).",
                )
            ) from exc
        except ssl.SSLError as exc:
            raise ConnectFailed(_tls_refusal(where, exc)) from exc
        except OSError as exc:
            raise ConnectFailed(
                SendResult(
                    RETRY,
                    error_class=CONNECTION,
                    error=f"Cannot connect to {where}: {exc.strerror or exc}.",
                )
            ) from exc
        self.client.loop_start()
        with self.cond:
            self.cond.wait_for(
                lambda: self.connack is not None or self.lost, settings.connect_timeout
            )
        if self.connack is None or self.connack.is_failure:
            self.close()
            raise ConnectFailed(self._connack_failure(where))

    def _connack_failure(self, where):
        code = self.connack
        if code is None:
            return SendResult(
                RETRY,
                error_class=TIMEOUT if not self.lost else CONNECTION,
                error=f"{where} accepted the connection but sent no CONNACK within "
                f"{self.settings.connect_timeout:g} s (is it an MQTT broker, of this MQTT version?).",
            )
        if code.value in CONFIG_REFUSALS:
            return SendResult(
                REFUSED,
                error_class=CONFIG,
                endpoint_problem=True,
                error=f"{where} refused the connection: {code} (0x{code.value:02x}). Check the "
                "backend's user name, password, client certificate and MQTT version.",
            )
        return SendResult(
            RETRY, error_class=CONNECTION, error=f"{where} refused the connection: {code}."
        )

    def _on_connect(self, _client, _userdata, _flags, reason_code, _properties):
        with self.cond:
            self.connack = reason_code
            self.cond.notify_all()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        with self.cond:
            self.lost = reason_code or True
            self.cond.notify_all()

    def _on_publish(self, _client, _userdata, mid, reason_code, _properties):
        with self.cond:
            self.acks[mid] = reason_code
            self.cond.notify_all()

    @property
    def alive(self):
        return not self.lost and self.client.is_connected()

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


_pool = {}
_pool_lock = threading.Lock()


def _connection(settings, key):
    """The pooled connection under ``key`` (connected now if it was not)."""
    with _pool_lock:
        conn = _pool.get(key)
        if conn is not None and conn.alive:
            return conn
        _pool.pop(key, None)
    if conn is not None:
        conn.close()
    conn = _Connection(settings)
    with _pool_lock:
        _pool[key] = conn
    return conn


def drop(key_prefix):
    """Close the pooled connections whose key starts with ``key_prefix`` (a tuple)."""
    with _pool_lock:
        keys = [k for k in _pool if k[: len(key_prefix)] == key_prefix]
        conns = [_pool.pop(k) for k in keys]
    for conn in conns:
        conn.close()


def _tls_refusal(where, exc):
    return SendResult(
        REFUSED,
        error_class=CONFIG,
        endpoint_problem=True,
        error=f"TLS with {where} failed: {exc.__class__.__name__} ({getattr(exc, 'reason', exc)}). "
        "Check the backend's CA file and client certificate.",
    )


@register
class MqttTransport(Transport):
    """Events as QoS 1 messages, one topic per product; delivered on the broker's PUBACK."""

    key = MQTT

    def __init__(self, settings=None):
        self.settings = settings

    @classmethod
    def check_address(cls, address):
        try:
            parse_address(address, MQTT)
        except BrokerAddressError as exc:
            return str(exc)
        return None

    @classmethod
    def describe_address(cls, address):
        try:
            return parse_address(address).describe()
        except BrokerAddressError:
            return "a malformed broker address"

    @classmethod
    def forget(cls, endpoint_key):
        drop(endpoint_key)

    def send(self, batch):
        """Publish each event of ``batch`` with QoS 1; per-event results, never raises.

        Waits for the PUBACKs until ``batch.timeout`` seconds after the start.
        """
        started = time.monotonic()
        settings = self.settings
        if settings is None:
            return SendResult(
                REFUSED,
                error_class=CONFIG,
                endpoint_problem=True,
                error="This endpoint has no broker backend: choose the MQTT backend it sends through.",
            )
        pool_key = tuple(batch.endpoint_key) + tuple(settings.key)
        try:
            conn = _connection(settings, pool_key)
        except ConnectFailed as exc:
            exc.result.duration = time.monotonic() - started
            return exc.result
        except (OSError, ssl.SSLError) as exc:
            return _tls_refusal(settings.address.describe(), exc)
        with conn.lock:
            return self._publish(conn, batch, started, pool_key)

    def _publish(self, conn, batch, started, pool_key):
        settings = self.settings
        deadline = started + batch.timeout
        events = [(eid, text, publish_result.partition_key(text)) for eid, text in batch.events]
        answered, sent, stopped, publish_failed = {}, {}, set(), False
        with conn.cond:
            conn.acks.clear()
        for event_id, text, key in events:
            if key in stopped:
                continue
            payload = text.encode()
            if len(payload) > settings.max_bytes:
                answered[event_id] = SendResult(
                    REFUSED,
                    error_class=CONFIG,
                    error=f"The event is {len(payload)} bytes, more than the backend's limit of "
                    f"{settings.max_bytes} bytes for a message.",
                )
                stopped.add(key)
                continue
            info = conn.client.publish(
                mqtt_topic(settings.topic_prefix, key),
                payload,
                qos=1,
                properties=self._properties(event_id, payload),
            )
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                stopped.add(key)  # connection gone: this and the rest of the key wait
                publish_failed = True
                continue
            sent[info.mid] = event_id
        with conn.cond:
            conn.cond.wait_for(
                lambda: conn.lost or all(mid in conn.acks for mid in sent),
                max(deadline - time.monotonic(), 0),
            )
            acks = dict(conn.acks)
            lost = conn.lost
        for mid, event_id in sent.items():
            code = acks.get(mid)
            if code is None:
                continue
            if getattr(code, "is_failure", False):
                answered[event_id] = SendResult(
                    REFUSED,
                    error_class=INVALID_RESPONSE,
                    error=f"The broker refused the message: {code} (0x{code.value:02x}).",
                )
            else:
                answered[event_id] = SendResult(DELIVERED)
        failure = None
        if publish_failed or any(mid not in acks for mid in sent):
            where = settings.address.describe()
            if lost or publish_failed:
                failure = SendResult(
                    RETRY,
                    error_class=CONNECTION,
                    error=f"The connection to {where} was lost mid-batch.",
                )
            else:
                failure = SendResult(
                    RETRY,
                    error_class=TIMEOUT,
                    error=f"{where} did not acknowledge every message within {batch.timeout:g} s.",
                )
            # Unacknowledged messages must never be resent by this client behind
            # the engine's back: the connection goes, the engine retries.
            drop(pool_key)
        return publish_result.assemble(events, answered, failure, time.monotonic() - started)

    def _properties(self, event_id, payload):
        if self.settings.mqtt_version != "5":
            return None
        properties = Properties(PacketTypes.PUBLISH)
        properties.ContentType = CONTENT_TYPE
        if self.settings.secrets:
            headers = webhook_signature.sign_headers(self.settings.secrets, event_id, payload)
            properties.UserProperty = list(headers.items())
        return properties
