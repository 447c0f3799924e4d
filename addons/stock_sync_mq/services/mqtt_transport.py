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

import copy
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
    register,
)

from . import publish_result
from .broker_settings import CONTENT_TYPE, MQTT, mqtt_topic

_logger = logging.getLogger(__name__)

# CONNACK reason codes that say the settings are wrong (MQTT 5 section 3.2.2.2;
# paho maps 3.1.1's return codes 1, 2, 4 and 5 onto them).
CONFIG_REFUSALS = {0x84, 0x85, 0x86, 0x87, 0x8C, 0x95}
# Messages a publisher has sent and not yet seen acknowledged: a batch is pipelined
# through this window, never more than the broker's Receive Maximum (MQTT 5).
PUBLISH_WINDOW = 500


class ConnectFailed(Exception):
    """The broker could not be reached or refused us: ``result`` says how."""

    def __init__(self, result):
        super().__init__(result.error)
        self.result = result


def client_for(settings, client_id, clean=True, receive_maximum=None, max_inflight=None):
    """A paho client configured from ``settings`` (not yet connected).

    ``clean`` false asks for a persistent session (the consumer's);
    ``receive_maximum`` bounds the messages the broker sends unacknowledged
    (MQTT 5; a 3.1.1 broker applies its own in-flight limit); ``max_inflight``
    bounds those paho sends unacknowledged (0: no bound, the caller keeps its own).
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
    client.max_inflight_messages_set(
        max(settings.prefetch, 20) if max_inflight is None else max_inflight
    )
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
        self.expected = None  # how many acks the batch waits for (None: still publishing)
        self.connack = None
        self.lost = None
        self.lock = threading.Lock()  # one batch at a time on a connection
        self.window = PUBLISH_WINDOW  # the broker's Receive Maximum lowers it, at CONNACK
        # paho's own window cannot follow the broker's (it is fixed before connecting):
        # the batch's sender keeps the window itself.
        self.client, connect = client_for(
            settings, f"odoo-pub-{uuid.uuid4().hex[:16]}", max_inflight=0
        )
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

    def _on_connect(self, _client, _userdata, _flags, reason_code, properties):
        # MQTT 5: more unacknowledged messages than the broker's Receive Maximum
        # is a protocol error.
        receive_maximum = getattr(properties, "ReceiveMaximum", None) or PUBLISH_WINDOW
        with self.cond:
            self.window = min(PUBLISH_WINDOW, receive_maximum)
            self.connack = reason_code
            self.cond.notify_all()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        with self.cond:
            self.lost = reason_code or True
            self.cond.notify_all()

    def _on_publish(self, _client, _userdata, mid, reason_code, _properties):
        with self.cond:
            self.acks[mid] = reason_code
            if self.expected is not None and len(self.acks) >= self.expected:
                self.cond.notify_all()  # the ack its sender waits for: wake it once

    def wait_acks(self, count, deadline):
        """Wait until ``count`` acks of the batch came back (or the connection is lost,
        or ``deadline``); the caller holds :attr:`cond`. True if they did."""
        self.expected = count
        self.cond.wait_for(
            lambda: self.lost or len(self.acks) >= count, max(deadline - time.monotonic(), 0)
        )
        self.expected = None
        return len(self.acks) >= count

    @property
    def alive(self):
        return not self.lost and self.client.is_connected()

    def close(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


_pool = {}
_pool_lock = threading.Lock()  # guards _pool and _connect_locks; never held while connecting
_connect_locks = {}  # pool key -> the lock its connection is made under


def _connection(settings, key):
    """The pooled connection under ``key`` (connected now if it was not).

    Called from several dispatch lanes (threads) at once: one connection per
    key is ever made at a time, under that key's own lock, and the lanes that
    asked meanwhile get it. Connecting for one key (up to the connect timeout)
    never holds up the lanes that publish to other keys. Only this function
    puts a connection in the pool, under that lock: none is ever replaced
    there without being closed, so none is left connected and unreferenced.
    Raises :class:`ConnectFailed` (``OSError``/``ssl.SSLError`` for unreadable TLS files).
    """
    with _pool_lock:
        conn = _pool.get(key)
        if conn is not None and conn.alive:
            return conn
        connect_lock = _connect_locks.setdefault(key, threading.Lock())
    with connect_lock:
        with _pool_lock:
            conn = _pool.get(key)
            if conn is not None and conn.alive:
                return conn  # made by another lane while this one waited
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
class MqttTransport(publish_result.BrokerTransport):
    """Events as QoS 1 messages, one topic per product; delivered on the broker's PUBACK."""

    key = MQTT
    drop = staticmethod(drop)

    def send(self, batch):
        """Publish each event of ``batch`` with QoS 1; per-event results, never raises.

        Waits for the PUBACKs until ``batch.timeout`` seconds after the start.
        """
        started = time.monotonic()
        settings = self.settings
        if settings is None:
            return self.no_backend()
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
        events = self.keyed(batch)
        answered, sent, stopped, publish_failed = {}, {}, set(), False
        template = self._properties_template()
        with conn.cond:
            conn.acks.clear()
            conn.expected = None
        # The whole batch pipelined: up to the window unacknowledged, in order on one
        # connection (the broker keeps it per topic), then every PUBACK is awaited.
        for event_id, text, key in events:
            if key in stopped:
                continue
            if len(sent) - len(conn.acks) >= conn.window:
                with conn.cond:
                    if not conn.wait_acks(len(sent) - conn.window + 1, deadline):
                        publish_failed = True  # lost or too slow: the rest waits
                        break
            payload = text.encode()
            refused = self.too_large(payload)
            if refused:
                answered[event_id] = refused
                stopped.add(key)
                continue
            info = conn.client.publish(
                mqtt_topic(settings.topic_prefix, key),
                payload,
                qos=1,
                properties=self._properties(template, event_id, payload),
            )
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                stopped.add(key)  # connection gone: this and the rest of the key wait
                publish_failed = True
                continue
            sent[info.mid] = event_id
        with conn.cond:
            # Only this batch's messages are in flight on the connection (its lock):
            # as many acks as messages sent means every one is acknowledged.
            conn.wait_acks(len(sent), deadline)
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
            if lost or (publish_failed and time.monotonic() < deadline):
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

    def _properties_template(self):
        if self.settings.mqtt_version != "5":
            return None
        template = Properties(PacketTypes.PUBLISH)
        template.ContentType = CONTENT_TYPE
        return template

    def _properties(self, template, event_id, payload):
        if template is None:
            return None
        # A copy of the batch's template: paho builds a Properties slowly (its name
        # table each time), which was most of the transport's time per message.
        properties = copy.copy(template)
        if self.settings.secrets:
            headers = webhook_signature.sign_headers(self.settings.secrets, event_id, payload)
            properties.UserProperty = list(headers.items())
        return properties
