"""The broker consumer: messages in, applied through the connector's inbound path, then acked.

One consumer process per database (``scripts/mq_consumer.py``) runs one
thread per broker backend that subscribes to something. Each thread:

1. receives at most the backend's in-flight window of unacknowledged
   messages (AMQP ``basic.qos`` prefetch; MQTT 5 receive maximum, a
   persistent session with QoS 1 subscriptions);
2. hands what arrived, in the broker's order, to ``handle`` (one database
   transaction: ``stock.sync.backend._mq_receive`` records, deduplicates and
   applies each message in a savepoint, or logs it as an exception);
3. acknowledges those messages only after that transaction committed.

A crash anywhere before step 3 leaves the messages unacknowledged: the broker
delivers them again and the inbound log's deduplication (the CloudEvents id,
or the backend's message id field) records them as duplicates, so each is
applied once. A message that cannot be applied is logged and acknowledged:
it never comes back and never blocks those behind it.
"""

import logging
import os
import queue
import threading

import pika
from pika import exceptions as pika_errors

from .amqp_transport import connection_parameters
from .broker_settings import AMQP
from .mqtt_transport import client_for

_logger = logging.getLogger(__name__)

RECONNECT_DELAY = 2.0  # seconds between two connection attempts
POLL = 0.2  # seconds a consumer waits for messages before looking at its stop flag
# Seconds of silence that end a batch being gathered: a window's worth of messages
# arrives one by one, and one transaction for all of them costs much less than one
# per handful (a message alone waits at most this long more).
GATHER_GAP = 0.005
HANDLE_TRIES = 5
# Test-only fault injection, never set in production: with this variable set to a
# number of seconds, the consumer sleeps that long after each committed transaction
# and before acknowledging its messages, so that a test can kill -9 the process in
# exactly that window (tests/test_mq_consumer_kill.py).
PAUSE_BEFORE_ACK_ENV = "STOCK_SYNC_MQ_TEST_PAUSE_BEFORE_ACK"
CONTEXT = {"tracking_disable": True, "mail_create_nolog": True}


class Consumer:
    """Base of both protocols: ``run()`` until ``stop`` is set; never raises.

    :param settings: ``BrokerSettings`` of the backend
    :param handle: ``handle(messages)`` applies and commits, or raises (then
        nothing is acknowledged and the messages come again). ``messages`` is
        ``[{"body": bytes, "message_id": str or None, "origin": topic or queue}]``.
    :param stop: a ``threading.Event``
    """

    def __init__(self, settings, handle, stop):
        self.settings, self.handle, self.stop = settings, handle, stop
        self.ready = threading.Event()  # connected and subscribed (tests wait for it)

    def run(self):
        while not self.stop.is_set():
            try:
                self.consume()
            except Exception:  # noqa: BLE001 - a consumer reconnects; the broker keeps the messages
                _logger.exception("Inventory Sync: consumer of %s failed", self.settings.name)
            self.ready.clear()
            self.stop.wait(RECONNECT_DELAY)

    def apply(self, messages):
        """``handle`` with retries on failure; True when committed."""
        for attempt in range(HANDLE_TRIES):
            try:
                self.handle(messages)
                self._pause_before_ack()
                return True
            except Exception:  # noqa: BLE001 - retried, then the messages come again
                _logger.warning(
                    "Inventory Sync: %s messages of %s not applied (try %s), retrying",
                    len(messages),
                    self.settings.name,
                    attempt + 1,
                    exc_info=True,
                )
                if self.stop.wait(0.2 * 2**attempt):
                    break
        return False

    def _pause_before_ack(self):
        """The test-only pause between commit and acknowledgement (``PAUSE_BEFORE_ACK_ENV``)."""
        pause = float(os.environ.get(PAUSE_BEFORE_ACK_ENV) or 0)
        if pause > 0:
            _logger.warning(
                "Inventory Sync: %s committed, pausing %s s before the ack (%s is set: test only)",
                self.settings.name,
                pause,
                PAUSE_BEFORE_ACK_ENV,
            )
            self.stop.wait(pause)

    def consume(self):
        raise NotImplementedError


class MqttConsumer(Consumer):
    """A persistent session (clean session off), QoS 1, manual PUBACKs after commit."""

    def consume(self):
        settings = self.settings
        inbox = queue.Queue()
        state = {"lost": False}
        client, connect = client_for(
            settings, settings.client_id, clean=False, receive_maximum=settings.prefetch
        )
        client.manual_ack_set(True)

        def on_connect(client_, _userdata, _flags, reason_code, _properties):
            if reason_code.is_failure:
                _logger.error(
                    "Inventory Sync: %s refused the consumer: %s",
                    settings.address.describe(),
                    reason_code,
                )
                state["lost"] = True
                return
            client_.subscribe([(topic, 1) for topic in settings.subscriptions])

        def on_subscribe(_client, _userdata, _mid, reason_codes, _properties):
            failed = [code for code in reason_codes if code.is_failure]
            if failed:
                _logger.error(
                    "Inventory Sync: %s refused a subscription of %s: %s",
                    settings.address.describe(),
                    settings.name,
                    failed,
                )
            self.ready.set()

        def on_disconnect(_client, _userdata, _flags, _reason_code, _properties):
            state["lost"] = True

        client.on_connect, client.on_subscribe = on_connect, on_subscribe
        client.on_disconnect = on_disconnect
        client.on_message = lambda _c, _u, message: inbox.put(message)
        client.connect(settings.address.host, settings.address.port, **connect)
        client.loop_start()
        try:
            while not self.stop.is_set() and not state["lost"]:
                batch = _drain(inbox, settings.prefetch)
                if not batch:
                    continue
                messages = [
                    {"body": m.payload, "message_id": None, "origin": m.topic} for m in batch
                ]
                if not self.apply(messages):
                    return  # reconnect: the unacknowledged messages come again
                for message in batch:  # in the order received (MQTT 5 section 4.6)
                    client.ack(message.mid, message.qos)
        finally:
            client.disconnect()
            client.loop_stop()


class AmqpConsumer(Consumer):
    """Manual acknowledgement after commit, a bounded prefetch, durable queues."""

    def consume(self):
        settings = self.settings
        connection = pika.BlockingConnection(connection_parameters(settings))
        pending = []
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=settings.prefetch)
            for name in settings.subscriptions:
                channel.queue_declare(name, durable=True)
                channel.basic_consume(
                    name,
                    lambda _ch, method, properties, body, q=name: pending.append(
                        (
                            method.delivery_tag,
                            {"body": body, "message_id": properties.message_id, "origin": q},
                        )
                    ),
                    auto_ack=False,
                )
            self.ready.set()
            while not self.stop.is_set():
                connection.process_data_events(time_limit=POLL)
                if not pending:
                    continue
                while len(pending) < settings.prefetch:  # gather the window (see GATHER_GAP)
                    gathered = len(pending)
                    connection.process_data_events(time_limit=GATHER_GAP)
                    if len(pending) == gathered:
                        break
                if not self.apply([message for _tag, message in pending]):
                    return  # the connection closes: the broker requeues them
                # One channel, delivery tags in order: this acknowledges the whole batch.
                channel.basic_ack(pending[-1][0], multiple=True)
                pending.clear()
        finally:
            try:
                if connection.is_open:
                    connection.close()
            except (pika_errors.AMQPError, OSError):
                _logger.debug("AMQP connection already gone", exc_info=True)


def _drain(inbox, limit):
    """Wait up to POLL for one message, then take those that follow it, up to ``limit``
    and until none came for GATHER_GAP seconds."""
    try:
        batch = [inbox.get(timeout=POLL)]
    except queue.Empty:
        return []
    while len(batch) < limit:
        try:
            batch.append(inbox.get(timeout=GATHER_GAP))
        except queue.Empty:
            break
    return batch


def consumer_for(settings, handle, stop):
    """The consumer of ``settings``' protocol."""
    cls = AmqpConsumer if settings.address.protocol == AMQP else MqttConsumer
    return cls(settings, handle, stop)


def odoo_handler(registry, backend_id, uid):
    """``handle(messages)`` for a backend: one transaction, committed when it returns.

    Serialization failures and deadlocks are retried by the consumer (the
    transaction is rolled back and nothing was acknowledged).
    """
    from odoo import api  # noqa: PLC0415 - only the process that runs Odoo needs it

    def handle(messages):
        with registry.cursor() as cr:
            # The inbound log is the record of each message (state, error, attempts):
            # no chatter tracking of every state change at shop-floor volumes.
            env = api.Environment(cr, uid, CONTEXT)
            answers = env["stock.sync.backend"].browse(backend_id)._mq_receive(messages)
        # The cursor committed when the block ended: now the caller may acknowledge.
        return answers

    return handle


def supervise(registry, stop, backend_ids=None, refresh=30.0, started=None):
    """Run a consumer thread per broker backend until ``stop`` is set.

    Every ``refresh`` seconds the backends are read again: a new backend gets
    a consumer, one whose settings changed (or that stopped) is restarted,
    an archived one is stopped. ``started`` (a dict) receives the consumers.
    """
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415 - only the process that runs Odoo needs it

    running = {} if started is None else started  # backend id -> (key, consumer, thread, stop)
    while not stop.is_set():
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backends = env["stock.sync.backend"]._mq_consumer_backends()
            if backend_ids:
                backends = backends.filtered(lambda b: b.id in backend_ids)
            wanted = {backend.id: backend._mq_settings() for backend in backends}
        for backend_id, (key, _consumer, thread, own_stop) in list(running.items()):
            settings = wanted.get(backend_id)
            if settings is None or settings.key != key or not thread.is_alive():
                own_stop.set()
                thread.join(10)
                del running[backend_id]
        for backend_id, settings in wanted.items():
            if backend_id in running:
                continue
            own_stop = threading.Event()
            consumer = consumer_for(
                settings, odoo_handler(registry, backend_id, SUPERUSER_ID), own_stop
            )
            thread = threading.Thread(
                target=consumer.run, name=f"mq-consumer-{backend_id}", daemon=True
            )
            thread.start()
            running[backend_id] = (settings.key, consumer, thread, own_stop)
            _logger.info(
                "Inventory Sync: consuming %s from %s (%s)",
                ", ".join(settings.subscriptions),
                settings.address.describe(),
                settings.name,
            )
        stop.wait(refresh)
    for _key, _consumer, thread, own_stop in running.values():
        own_stop.set()
        thread.join(10)
