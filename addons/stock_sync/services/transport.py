"""The seam between the delivery engine and the wire.

The engine (``stock.sync.dispatcher``) owns everything that must be the same
whatever carries the events: claims, per-key order, retries with backoff,
splitting, parking, dead letters, KPIs and the Standard Webhooks signature.
A transport only sends one :class:`Batch` and says what happened, as a
:class:`SendResult`: for the whole batch, or per event where the wire
acknowledges events one by one (AMQP publisher confirms, MQTT PUBACKs).

A transport module registers its class with :func:`register` at import
time and adds its key to ``stock.sync.endpoint.transport`` with
``selection_add``. Transports never raise for network or receiver problems;
an exception that escapes ``send`` is a bug, which the engine records as an
``internal`` error with its traceback.
"""

from dataclasses import dataclass, field

# What a send achieved, for the batch or for one event.
DELIVERED = "delivered"  # acknowledged by the receiver
RETRY = "retry"  # not accepted this time; try again after the backoff
REFUSED = "refused"  # refused for good, as a batch (4xx about the content)

# Error classes a transport may report (stock.sync.delivery.error_class).
TIMEOUT = "timeout"
CONNECTION = "connection"
HTTP_4XX = "http_4xx"
HTTP_5XX = "http_5xx"
INVALID_RESPONSE = "invalid_response"
CONFIG = "config"
INTERNAL = "internal"

_TRANSPORTS = {}


@dataclass
class Batch:
    """One batch of CloudEvents to one endpoint.

    ``body`` is the structured-mode batch (a JSON array, as text) whose
    content type is :attr:`content_type`; ``events`` are the same events
    one by one, as ``(id, JSON text)``, for transports that publish one
    message per event; ``partition_keys`` their partition keys in the same
    order, as the engine claimed them (``None`` when whoever built the
    batch did not give them: each event's ``partitionkey`` says it).
    ``headers`` are the Standard Webhooks signature headers the engine
    computed over ``body``; each transport carries them the way its binding
    does (HTTP headers, MQTT user properties, AMQP application properties).
    """

    endpoint_key: tuple  # (database, endpoint id): what a transport may pool by
    address: str  # the endpoint's URL (or broker address, for broker transports)
    timeout: float  # seconds, for the whole send
    events: list  # [(event id, event JSON text)], in key order
    body: str
    headers: dict
    content_type: str = "application/cloudevents-batch+json"
    partition_keys: list = None  # [partition key] of ``events``, in their order

    @property
    def event_ids(self):
        return [event_id for event_id, _payload in self.events]


@dataclass
class SendResult:
    """What happened to a batch.

    ``outcome`` is :data:`DELIVERED`, :data:`RETRY` or :data:`REFUSED`.
    ``endpoint_problem`` says the refusal is about the endpoint (address,
    credentials, signature), not the events: they wait and no attempt
    counts. ``per_event`` maps event ids to their own result where the wire
    acknowledged them one by one; events it does not name take this result.
    A transport that sends events one by one stops a key at its first event
    that is not delivered, and answers RETRY for the later ones of that key:
    what it reports delivered was delivered, so order is its to keep.
    """

    outcome: str
    status_code: int = None
    error_class: str = None
    error: str = None
    excerpt: str = None
    retry_after: float = None  # seconds, as the receiver asked
    duration: float = 0.0  # seconds
    endpoint_problem: bool = False
    traceback: str = None
    per_event: dict = field(default_factory=dict)

    def for_event(self, event_id):
        return self.per_event.get(event_id, self)


class Transport:
    """Base class of transports: subclass, set ``key`` and ``label``, register.

    ``send`` must return a :class:`SendResult` within ``batch.timeout``
    seconds plus a small margin, and must not raise for network or receiver
    problems. ``check_address`` validates an endpoint's address when it is
    saved (return an error text, or ``None``).
    """

    key = None

    @classmethod
    def check_address(cls, address):
        return None

    @classmethod
    def describe_address(cls, address):
        """The address as errors and logs may show it: no secret in it."""
        return "the endpoint"

    def send(self, batch):
        raise NotImplementedError

    @classmethod
    def forget(cls, endpoint_key):
        """Drop what is pooled for ``endpoint_key`` (its address changed)."""


def register(transport_class):
    """Class decorator: make a transport available under its ``key``."""
    _TRANSPORTS[transport_class.key] = transport_class
    return transport_class


def unregister(key):
    _TRANSPORTS.pop(key, None)


def get(key):
    """The transport class registered under ``key``; KeyError if none."""
    return _TRANSPORTS[key]
