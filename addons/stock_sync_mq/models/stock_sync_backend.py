import hashlib
import json
import logging
import re
from types import SimpleNamespace

from psycopg2 import OperationalError
from psycopg2.errors import UniqueViolation

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.stock_sync_connector.models.stock_sync_inbound import REJECTED
from odoo.addons.stock_sync_connector.services import inbound_event

from ..services import amqp_transport, mqtt_transport
from ..services.broker_settings import (
    AMQP,
    MQTT,
    BrokerAddressError,
    BrokerSettings,
    parse_address,
)

_logger = logging.getLogger(__name__)

MANAGER = "stock_sync.group_stock_sync_manager"
MQ_KINDS = (MQTT, AMQP)
_VERSION_SUFFIX = re.compile(r"\.v\d+$")


def canonical_type(event_type):
    """``com.acme.mes.adjustment.v1`` -> ``adjustment``: the last word of a CloudEvents type.

    A type that names no canonical type is returned as it is (the event's
    check then says which types exist).
    """
    if not isinstance(event_type, str):
        return event_type
    word = _VERSION_SUFFIX.sub("", event_type).rsplit(".", 1)[-1]
    return word if word in inbound_event.EVENT_TYPES else event_type


class StockSyncBackend(models.Model):
    """A message broker (MQTT or AMQP 0-9-1) as a backend.

    Outbound, an endpoint of the backend's kind publishes each event to the
    broker (``services/mqtt_transport``, ``services/amqp_transport``).
    Inbound, the consumer process (``scripts/mq_consumer.py``) subscribes to
    the backend's topics or queues and hands each message to
    :meth:`_mq_receive`, then acknowledges it after commit.
    """

    _inherit = "stock.sync.backend"

    kind = fields.Selection(
        selection_add=[(MQTT, "MQTT broker"), (AMQP, "AMQP 0-9-1 broker (RabbitMQ)")],
        ondelete={MQTT: "cascade", AMQP: "cascade"},
    )
    mq_mqtt_version = fields.Selection(
        [("5", "MQTT 5"), ("3.1.1", "MQTT 3.1.1")],
        "MQTT Version",
        default="5",
        required=True,
        help="MQTT 5 adds the content type and the signature as user properties.",
    )
    mq_keepalive = fields.Integer(
        "Keepalive (s)",
        default=60,
        required=True,
        help="MQTT keepalive, AMQP heartbeat: a silent broker is given up after about 1.5x.",
    )
    mq_ca_file = fields.Char(
        "TLS CA File",
        groups=MANAGER,
        help="Path, on the Odoo server, of the CA certificates that sign the broker's "
        "certificate (mqtts:// and amqps:// addresses). Empty: the system's CAs.",
    )
    mq_cert_file = fields.Char(
        "TLS Client Certificate",
        groups=MANAGER,
        copy=False,
        help="Path of a client certificate (PEM) on the Odoo server, to authenticate by "
        "certificate instead of, or beside, the user name and password.",
    )
    mq_key_file = fields.Char(
        "TLS Client Key", groups=MANAGER, copy=False, help="Path of the client certificate's key."
    )
    mq_topic_prefix = fields.Char(
        "Topic Prefix",
        default="inventory",
        help="MQTT: events go to <prefix>/<company id>/<product id>, e.g. plant1/inventory.",
    )
    mq_exchange = fields.Char(
        "Exchange",
        default="inventory",
        help="AMQP: the durable topic exchange events are published to; the routing key "
        "is the event's partition key (product:<id>@company:<id>).",
    )
    mq_subscriptions = fields.Text(
        "Subscribe To",
        help="Inbound, one per line: MQTT topic filters (e.g. plant1/machines/+/counts) or "
        "AMQP queue names (declared durable if missing). Empty: nothing is consumed.",
    )
    mq_client_id = fields.Char(
        "MQTT Client ID",
        copy=False,
        help="The consumer's persistent session: unacknowledged messages wait for it at "
        "the broker while it is down. Empty: derived from the database and backend.",
    )
    mq_message_id_field = fields.Char(
        "Message ID Field",
        help="For equipment that sends plain JSON rather than CloudEvents: the field that "
        "identifies a message, deduplicated like a CloudEvents id (e.g. msg_id). "
        "Without it, the AMQP message-id property, else the field 'id'.",
    )
    mq_prefetch = fields.Integer(
        "In-flight Window",
        default=50,
        required=True,
        help="At most this many messages are delivered and not yet acknowledged "
        "(AMQP prefetch, MQTT 5 receive maximum): a burst waits at the broker.",
    )

    _sql_constraints = [
        (
            "mq_prefetch_positive",
            "CHECK(mq_prefetch > 0)",
            "The in-flight window must be positive.",
        ),
        ("mq_keepalive_positive", "CHECK(mq_keepalive > 0)", "The keepalive must be positive."),
    ]

    @api.constrains("base_url", "kind")
    def _check_base_url(self):
        brokers = self.filtered(lambda b: b.kind in MQ_KINDS)
        for backend in brokers:
            try:
                parse_address(backend.base_url, backend.kind)
            except BrokerAddressError as exc:
                raise ValidationError(
                    _("%(backend)s: %(error)s", backend=backend.name, error=exc)
                ) from None
        return super(StockSyncBackend, self - brokers)._check_base_url()

    @api.constrains("kind", "mq_topic_prefix", "mq_exchange")
    def _check_mq_names(self):
        for backend in self:
            if backend.kind == MQTT and re.search(r"[+#\x00]", backend.mq_topic_prefix or ""):
                raise ValidationError(
                    _("The topic prefix of %s cannot hold the wildcards + or #.", backend.name)
                )
            if backend.kind == AMQP and not (backend.mq_exchange or "").strip():
                raise ValidationError(_("%s publishes to an exchange: name it.", backend.name))

    # ------------------------------------------------------------------
    # Settings, for the processes that connect
    # ------------------------------------------------------------------
    def _mq_settings(self, secrets=()):
        """The broker settings and secrets as plain data (``BrokerSettings``).

        For the process that connects; never shown to a user. ``secrets``
        sign outbound messages (the endpoint's Standard Webhooks secrets).
        """
        self.ensure_one()
        # sudo: secrets are manager-only fields; the dispatcher and the consumer read
        # them to connect, they never leave this process.
        backend = self.sudo()
        address = parse_address(backend.base_url, backend.kind)
        secret_part = (
            backend.username,
            backend.password,
            backend.mq_ca_file,
            backend.mq_cert_file,
            backend.mq_key_file,
        )
        values = dict(
            name=backend.name,
            address=address,
            username=backend.username or None,
            password=backend.password or None,
            ca_file=backend.mq_ca_file or None,
            cert_file=backend.mq_cert_file or None,
            key_file=backend.mq_key_file or None,
            keepalive=backend.mq_keepalive,
            connect_timeout=backend.connect_timeout,
            timeout=backend.read_timeout,
            mqtt_version=backend.mq_mqtt_version,
            client_id=backend.mq_client_id or f"odoo-{self.env.cr.dbname}-{backend.id}",
            topic_prefix=backend.mq_topic_prefix or "",
            exchange=(backend.mq_exchange or "").strip(),
            subscriptions=tuple(
                line.strip()
                for line in (backend.mq_subscriptions or "").splitlines()
                if line.strip()
            ),
            message_id_field=backend.mq_message_id_field or None,
            prefetch=backend.mq_prefetch,
            max_bytes=backend.max_body_kb * 1024,
        )
        # Pools are kept per version of the settings: a change never reuses a connection.
        version = hashlib.sha256(repr((sorted(values.items()), secret_part)).encode()).hexdigest()
        return BrokerSettings(
            key=(self.env.cr.dbname, backend.id, version[:16]), secrets=tuple(secrets), **values
        )

    # ------------------------------------------------------------------
    # Kind hooks (see stock_sync_connector's stock.sync.backend)
    # ------------------------------------------------------------------
    def _mqtt_test_connection(self):
        """Connect to the broker and authenticate; say what worked."""
        return self._mq_test_connection()

    def _amqp_test_connection(self):
        """Connect to the broker, authenticate and open the exchange; say what worked."""
        return self._mq_test_connection()

    def _mq_test_connection(self):
        settings = self._mq_settings()
        where = settings.address.describe()
        if settings.address.protocol == MQTT:
            try:
                conn = mqtt_transport._Connection(settings)
            except mqtt_transport.ConnectFailed as exc:
                return False, exc.result.error
            except OSError as exc:
                return False, _("TLS files could not be read: %s", exc)
            conn.close()
            return True, _(
                "Connected to %(where)s and authenticated (MQTT %(v)s).",
                where=where,
                v=settings.mqtt_version,
            )
        connection, failure = amqp_transport.connect(settings)
        if failure:
            return False, failure.error
        try:
            amqp_transport._Publisher(settings, connection)
        except Exception as exc:  # noqa: BLE001 - said to the user, who fixes the settings
            return False, _("Connected to %(where)s, but: %(error)s", where=where, error=exc)
        finally:
            if connection.is_open:
                connection.close()
        return True, _(
            "Connected to %(where)s, authenticated, exchange %(exchange)s ready.",
            where=where,
            exchange=settings.exchange,
        )

    def _mqtt_to_canonical(self, raw):
        return self._mq_to_canonical(raw)

    def _amqp_to_canonical(self, raw):
        return self._mq_to_canonical(raw)

    def _mq_to_canonical(self, raw):
        """A broker message's JSON as a canonical event (``services/inbound_event``).

        A CloudEvent (it has ``specversion``) keeps its ``id``, ``time`` and
        ``data``; its ``type``'s last word (version suffix dropped) is the
        canonical type, e.g. ``com.acme.mes.adjustment.v1``; a numeric
        ``sequence`` extension is the sender's order. Plain JSON is the
        canonical shape itself, its id in the backend's message id field.
        """
        if not isinstance(raw, dict):
            return raw
        if "specversion" in raw:
            sequence = raw.get("sequence")
            if isinstance(sequence, str) and sequence.isdigit():
                sequence = int(sequence)  # the CloudEvents sequence extension is a string
            return {
                "id": raw.get("id"),
                "type": canonical_type(raw.get("type")),
                "time": raw.get("time"),
                "sequence": sequence,
                "data": raw.get("data"),
            }
        field = self.mq_message_id_field
        if field and field != "id":
            return dict(raw, id=raw.get(field))
        return raw

    # ------------------------------------------------------------------
    # Inbound: what the consumer calls, in its transaction
    # ------------------------------------------------------------------
    def _mq_receive(self, messages):
        """Record and apply broker messages, each all or nothing; one answer per message.

        :param messages: ``[{"body": bytes, "message_id": str or None,
            "origin": topic or queue}]`` in the order the broker delivered them
        :returns: ``[{"id", "status": accepted|duplicate|rejected, "state"?, "error"?}]``

        Runs in the caller's transaction: the consumer commits it, then
        acknowledges the messages. Every message gets an inbound-log entry
        (a refused one too: too large, not JSON, no id...), so each can be
        acknowledged; nothing is half-written (a savepoint per message,
        :meth:`_mq_take`). A database concurrency error is raised: the caller
        retries the whole transaction and acknowledges nothing meanwhile.
        """
        self.ensure_one()
        backend = self.with_user(self.inbound_user_id).with_company(self.company_id)
        Inbound = backend.env["stock.sync.inbound"]
        # The batch's cross-references and already recorded ids, each found in one
        # search for the batch rather than one per message.
        peeked = [backend._mq_peek(message) for message in messages]
        ids = [event.get("id") for event in peeked if event]
        ids = [i for i in ids if isinstance(i, str | int) and not isinstance(i, bool)]
        events = [SimpleNamespace(data=event.get("data")) for event in peeked if event]
        with backend._xref_batch(events), Inbound._dedup_batch(backend, ids):
            return [backend._mq_take(Inbound, message) for message in messages]

    def _mq_peek(self, message):
        """The message's canonical event as a dict, read without checks (``None`` if
        it is no JSON object): what the batch will look up, not what is recorded."""
        body = message["body"]
        if len(body) > self.max_body_kb * 1024:
            return None
        try:
            raw = json.loads(body)
            event = self._to_canonical(raw) if isinstance(raw, dict) else None
        except Exception:  # noqa: BLE001 - only a look ahead: recording the message says what is wrong
            return None
        return event if isinstance(event, dict) else None

    def _mq_take(self, Inbound, message):
        """Record, apply and write done one message, in one savepoint; its answer.

        When applying fails, that savepoint is rolled back and the message
        recorded again in a fresh one, with the state the failure calls for
        (waiting for a mapping, held, rejected, error: the inbound exception
        log). A message that cannot even be recorded is logged as refused.
        Either way it has its inbound-log entry and may be acknowledged; only
        a database concurrency error is raised.
        """
        applying, failure = [], None
        for again in (False, True):
            try:
                with self.env.cr.savepoint():
                    answer, record, event = self._mq_receive_one(Inbound, message)
                    if record:
                        applying.append(record)
                        record._apply_now(event, {"attempts": 1})
                    return self._mq_answer(answer, record)
            except UniqueViolation as exc:
                failure = exc
                if applying or again:
                    break
                # The same event recorded a moment ago by another transaction: recorded
                # again, it is now found and logged as its duplicate.
            except OperationalError as exc:
                if not applying or isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
                    raise
                failure = exc
                break
            except Exception as exc:  # noqa: BLE001 - logged below, acknowledged
                failure = exc
                break
        if not applying:
            return self._mq_refuse_unexpected(Inbound, message, failure, recording=True)
        try:
            with self.env.cr.savepoint():
                answer, record, _event = self._mq_receive_one(Inbound, message)
                if record:
                    record._record_failure(failure, {"attempts": 1})
                return self._mq_answer(answer, record)
        except OperationalError as exc:
            if isinstance(exc, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
                raise
            return self._mq_refuse_unexpected(Inbound, message, exc, recording=False)
        except Exception as exc:  # noqa: BLE001 - a poison message is logged, acknowledged
            return self._mq_refuse_unexpected(Inbound, message, exc, recording=False)

    @staticmethod
    def _mq_answer(answer, record):
        if record:
            answer["state"] = record.state
            if record.error:
                answer["error"] = record.error
        return answer

    def _mq_refuse_unexpected(self, Inbound, message, exc, recording):
        """Log a message that failed in an unexpected way, with the server log's traceback."""
        _logger.error(
            "Inventory Sync: broker message on %s failed", message.get("origin"), exc_info=exc
        )
        if recording:
            reason = _(
                "Unexpected %(error)s while recording the message: see the server "
                "log. It was acknowledged, so it is not redelivered.",
                error=exc.__class__.__name__,
            )
        else:
            reason = _(
                "Not applied: an unexpected %(error)s while recording why it could not be "
                "applied: see the server log. It was acknowledged, so it is not redelivered.",
                error=exc.__class__.__name__,
            )
        return self._mq_refuse(Inbound, message, reason)

    def _mq_receive_one(self, Inbound, message):
        """Record one message (not applied yet); ``(answer, record, event)``.

        ``record`` and ``event`` are ``None`` unless the event was accepted. Runs in
        the caller's savepoint (:meth:`_mq_take`).
        """
        body = message["body"]
        limit = self.max_body_kb * 1024
        if len(body) > limit:
            return self._mq_refuse_one(
                Inbound,
                message,
                _(
                    "The message is %(size)s bytes, more than this backend's limit of "
                    "%(limit)s KiB: the sender must send smaller messages (one event each).",
                    size=len(body),
                    limit=self.max_body_kb,
                ),
            )
        try:
            raw = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return self._mq_refuse_one(
                Inbound, message, _("Malformed JSON: %s. Send one JSON object per message.", exc)
            )
        if not isinstance(raw, dict):
            return self._mq_refuse_one(
                Inbound,
                message,
                _("A message holds one JSON object (one event), not %s.", type(raw).__name__),
            )
        field = self.mq_message_id_field or "id"
        if "specversion" not in raw and raw.get(field) in (None, "") and message.get("message_id"):
            raw = dict(raw, **{field: message["message_id"]})
        # The event parsed when recorded is the one applied: no second parse nor search.
        return Inbound._record_event(self, raw, "broker", None, in_savepoint=True)

    def _mq_refuse_one(self, Inbound, message, reason):
        return self._mq_refuse(Inbound, message, reason), None, None

    def _mq_refuse(self, Inbound, message, reason):
        """Log a message refused before it was an event (too large, not JSON, ...)."""
        body = message["body"] or b""
        record = Inbound.create(
            {
                "backend_id": self.id,
                "source": "broker",
                "external_id": (message.get("message_id") or _("(message refused)"))[
                    : inbound_event.MAX_ID_LENGTH
                ],
                "state": REJECTED,
                "error": reason,
                "payload": body[:4000].decode("utf-8", "replace"),
            }
        )
        _logger.info("Inventory Sync: broker message refused (%s): %s", self.name, reason)
        return {"id": record.external_id, "status": REJECTED, "error": reason}

    @api.model
    def _mq_consumer_backends(self):
        """The active broker backends that subscribe to something, for the consumer."""
        return self.search([("kind", "in", MQ_KINDS), ("mq_subscriptions", "!=", False)])
