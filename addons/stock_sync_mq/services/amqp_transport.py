"""The AMQP 0-9-1 transport (pika): one persistent message per event, publisher confirms.

Each event is published to the backend's topic exchange (declared durable,
type ``topic``) with its partition key as routing key, as a CloudEvent in
structured mode: the body is the event's JSON, ``content_type`` is
``application/cloudevents+json``, ``message_id`` the event id,
``delivery_mode`` 2 (persistent) and the headers (application properties)
carry the Standard Webhooks signature of that one message. The channel is in
confirm mode: an event is delivered only when the broker confirmed it (a
``basic.ack``); a ``basic.nack`` leaves it and the rest of its key to the
engine's retry. One channel publishes in order, so order per key holds.

One connection per endpoint settings and process, kept between batches,
with explicit connect, socket and blocked-connection timeouts and the
backend's keepalive as heartbeat.
"""

import logging
import ssl
import threading
import time

import pika
from pika import exceptions as pika_errors

from odoo.addons.stock_sync.services import webhook_signature
from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    CONNECTION,
    DELIVERED,
    REFUSED,
    RETRY,
    TIMEOUT,
    SendResult,
    register,
)

from . import publish_result
from .broker_settings import AMQP, CONTENT_TYPE

_logger = logging.getLogger(__name__)
# pika logs every connection step at INFO: our own messages say what matters.
logging.getLogger("pika").setLevel(logging.WARNING)


def connection_parameters(settings):
    """``pika.ConnectionParameters`` from ``settings``; raises ``OSError`` for unreadable TLS files."""
    address = settings.address
    context = settings.tls_context()
    if settings.username:
        credentials = pika.PlainCredentials(settings.username, settings.password or "")
    elif settings.cert_file:
        credentials = pika.credentials.ExternalCredentials()
    else:
        credentials = pika.PlainCredentials("guest", "guest")
    return pika.ConnectionParameters(
        host=address.host,
        port=address.port,
        virtual_host=address.vhost,
        credentials=credentials,
        ssl_options=pika.SSLOptions(context, address.host) if context else None,
        heartbeat=settings.keepalive,
        blocked_connection_timeout=settings.timeout,
        socket_timeout=settings.connect_timeout,
        stack_timeout=settings.connect_timeout + 1,
        connection_attempts=1,
        retry_delay=0,
        client_properties={"connection_name": f"Odoo Inventory Sync: {settings.name}"},
    )


def connect(settings):
    """A ``(connection, result)``: connected, or ``None`` and the ``SendResult`` saying why."""
    where = settings.address.describe()
    try:
        return pika.BlockingConnection(connection_parameters(settings)), None
    except (ssl.SSLError, OSError) as exc:
        return None, _config_problem(
            f"TLS with {where} failed ({exc}): check the backend's CA file and client certificate."
        )
    except pika_errors.ProbableAuthenticationError:
        return None, _config_problem(
            f"{where} refused the user name and password: check them on the backend."
        )
    except pika_errors.ProbableAccessDeniedError:
        return None, _config_problem(
            f"{where} denied access to virtual host {settings.address.vhost!r}: "
            "check the address and the user's permissions."
        )
    except pika_errors.AMQPConnectionError as exc:
        text = repr(exc)
        error_class = TIMEOUT if "timeout" in text.lower() else CONNECTION
        return None, SendResult(
            RETRY, error_class=error_class, error=f"Cannot connect to {where}: {_cause(exc)}."
        )


def _cause(exc):
    inner = exc.args[0] if exc.args else exc
    if isinstance(inner, list | tuple) and inner:
        inner = inner[-1]
    text = str(inner) or inner.__class__.__name__
    for known in ("Connection refused", "timed out", "Name or service not known", "reset"):
        if known in text:
            return known
    return text[:200]


def _config_problem(error):
    return SendResult(REFUSED, error_class=CONFIG, endpoint_problem=True, error=error)


class _Publisher:
    def __init__(self, settings, connection):
        self.lock = threading.Lock()
        self.connection = connection
        self.channel = connection.channel()
        self.channel.confirm_delivery()
        self.channel.exchange_declare(settings.exchange, "topic", durable=True)

    @property
    def alive(self):
        if not (self.connection.is_open and self.channel.is_open):
            return False
        try:
            self.connection.process_data_events(0)  # heartbeats, a close from the broker
        except pika_errors.AMQPError:
            return False
        return self.connection.is_open and self.channel.is_open

    def close(self):
        _close(self.connection)


def _close(connection):
    """Close ``connection`` if it is still open; never raises for a connection already gone."""
    try:
        if connection.is_open:
            connection.close()
    except (pika_errors.AMQPError, OSError, AssertionError):
        _logger.debug("AMQP connection already gone", exc_info=True)


_pool = {}
_pool_lock = threading.Lock()


def drop(key_prefix):
    """Close the pooled connections whose key starts with ``key_prefix`` (a tuple)."""
    with _pool_lock:
        keys = [k for k in _pool if k[: len(key_prefix)] == key_prefix]
        publishers = [_pool.pop(k) for k in keys]
    for publisher in publishers:
        publisher.close()


@register
class AmqpTransport(publish_result.BrokerTransport):
    """Events as persistent messages to a topic exchange; delivered on the broker's confirm."""

    key = AMQP
    drop = staticmethod(drop)

    def _publisher(self, key):
        """A publisher for ``key``, taken out of the pool (or connected now); ``(publisher,
        None)`` or ``(None, SendResult)``. A connection that fails to become a publisher is
        closed: none is left open outside the pool."""
        with _pool_lock:
            publisher = _pool.pop(key, None)
        if publisher is not None and publisher.alive:
            return publisher, None
        if publisher is not None:
            publisher.close()
        connection, failure = connect(self.settings)
        if failure:
            return None, failure
        try:
            return _Publisher(self.settings, connection), None
        except pika_errors.ChannelClosedByBroker as exc:
            _close(connection)
            return None, _config_problem(
                f"{self.settings.address.describe()} refused exchange "
                f"{self.settings.exchange!r}: {exc.reply_text} (it must be a durable topic exchange)."
            )
        except pika_errors.AMQPError as exc:
            _close(connection)
            return None, SendResult(RETRY, error_class=CONNECTION, error=f"AMQP error: {exc!r}")

    def send(self, batch):
        """Publish each event of ``batch``, each confirmed; per-event results, never raises."""
        started = time.monotonic()
        settings = self.settings
        if settings is None:
            return self.no_backend()
        key = tuple(batch.endpoint_key) + tuple(settings.key)
        publisher, failure = self._publisher(key)
        if failure:
            failure.duration = time.monotonic() - started
            return failure
        # A pooled connection is taken out while in use: two sends never share a channel
        # (two lanes sending to one key at once each have their own; the one put back
        # second closes the first).
        try:
            result, healthy = self._publish(publisher, batch, started)
        except BaseException:
            publisher.close()  # out of the pool: closed here or never
            raise
        if healthy:
            with _pool_lock:
                previous = _pool.pop(key, None)
                _pool[key] = publisher
            if previous is not None:
                previous.close()
        else:
            publisher.close()
        return result

    def _publish(self, publisher, batch, started):
        settings = self.settings
        where = settings.address.describe()
        deadline = started + batch.timeout
        events = self.keyed(batch)
        answered, stopped, failure = {}, set(), None
        for event_id, text, key in events:
            if key in stopped:
                continue
            if time.monotonic() > deadline:
                failure = SendResult(
                    RETRY,
                    error_class=TIMEOUT,
                    error=f"{where} did not confirm the batch within {batch.timeout:g} s.",
                )
                break
            body = text.encode()
            refused = self.too_large(body)
            if refused:
                answered[event_id] = refused
                stopped.add(key)
                continue
            headers = (
                webhook_signature.sign_headers(settings.secrets, event_id, body)
                if settings.secrets
                else {}
            )
            properties = pika.BasicProperties(
                content_type=CONTENT_TYPE,
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=event_id,
                headers=headers,
            )
            try:
                # mandatory: a message no queue takes is returned, not confirmed and dropped
                # (a subscriber's queue not declared yet, or its binding lost).
                publisher.channel.basic_publish(
                    settings.exchange, key or "", body, properties, mandatory=True
                )
            except pika_errors.UnroutableError:
                answered[event_id] = SendResult(
                    RETRY,
                    error_class=CONFIG,
                    error=f"No queue of {where} is bound to the routing key {key!r}: the message "
                    f"was returned, not delivered. Bind the subscriber's queue to exchange "
                    f"{settings.exchange!r}; the event is retried.",
                )
                stopped.add(key)
                continue
            except pika_errors.NackError:
                answered[event_id] = SendResult(
                    RETRY,
                    error_class=CONNECTION,
                    error=f"{where} did not take the message (basic.nack): it is retried.",
                )
                stopped.add(key)
                continue
            except (TimeoutError, pika_errors.AMQPError, OSError, AssertionError) as exc:
                failure = SendResult(
                    RETRY,
                    error_class=CONNECTION,
                    error=f"The connection to {where} was lost mid-batch ({exc.__class__.__name__}).",
                )
                break
            answered[event_id] = SendResult(DELIVERED)
        result = publish_result.assemble(events, answered, failure, time.monotonic() - started)
        return result, failure is None
