"""A broker backend's connection settings as plain data, and what both protocols share.

Read once from the ``stock.sync.backend`` record (secrets included, in the
process that connects), then used outside any transaction: no ORM here.
"""

import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

MQTT, AMQP = "mqtt", "amqp"
SCHEMES = {
    "mqtt": (MQTT, False, 1883),
    "mqtts": (MQTT, True, 8883),
    "amqp": (AMQP, False, 5672),
    "amqps": (AMQP, True, 5671),
}
# CloudEvents structured mode, one event per message (MQTT and AMQP bindings).
CONTENT_TYPE = "application/cloudevents+json"
_PRODUCT_KEY = re.compile(r"product:(\d+)@company:(\d+)")
_TOPIC_UNSAFE = re.compile(r"[+#/\x00]")


class BrokerAddressError(ValueError):
    """The broker address is not ``mqtt[s]://host[:port]`` or ``amqp[s]://host[:port][/vhost]``."""


@dataclass(frozen=True)
class BrokerAddress:
    protocol: str  # MQTT or AMQP
    tls: bool
    host: str
    port: int
    vhost: str = "/"

    def describe(self):
        """``scheme://host:port``: what errors and logs may show (never credentials)."""
        scheme = self.protocol + ("s" if self.tls else "")
        return f"{scheme}://{self.host}:{self.port}"


def parse_address(url, protocol=None):
    """Parse a broker URL; raise :class:`BrokerAddressError` saying what to write.

    ``mqtt://host:1883``, ``mqtts://host:8883``, ``amqp://host:5672/vhost``,
    ``amqps://host:5671``. Credentials never go in the URL (they are
    manager-only fields of the backend): a URL carrying them is refused.
    With ``protocol``, the scheme must be of that protocol.
    """
    example = "mqtt://broker.example.com:1883 or amqps://broker.example.com:5671/plant1"
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise BrokerAddressError(
            f"The broker address is malformed ({exc}), e.g. {example}."
        ) from exc
    scheme = SCHEMES.get(parts.scheme)
    if not scheme or not parts.hostname:
        raise BrokerAddressError(
            f"A broker address is mqtt://, mqtts://, amqp:// or amqps:// with a host, e.g. {example}."
        )
    if protocol and scheme[0] != protocol:
        raise BrokerAddressError(
            f"This backend speaks {protocol.upper()}: its address starts with {protocol}:// "
            f"or {protocol}s://."
        )
    if parts.username or parts.password:
        raise BrokerAddressError(
            "Put the broker's user name and password in the backend's Authentication tab, "
            "not in the address."
        )
    if scheme[0] == MQTT and parts.path not in ("", "/"):
        raise BrokerAddressError("An MQTT address has no path: the topics are set on the backend.")
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return BrokerAddress(scheme[0], scheme[1], parts.hostname, port or scheme[2], vhost)


@dataclass(frozen=True)
class BrokerSettings:
    """One broker backend: where, how to authenticate, what to publish and consume.

    ``key`` identifies the backend and the version of its settings: pooled
    connections are kept per key, so a change never reuses an old one.
    Times are seconds; ``max_bytes`` bounds a message's payload both ways.
    """

    key: tuple
    name: str
    address: BrokerAddress
    username: str = None
    password: str = None
    ca_file: str = None
    cert_file: str = None
    key_file: str = None
    keepalive: int = 60
    connect_timeout: float = 5.0
    timeout: float = 15.0
    mqtt_version: str = "5"
    client_id: str = None
    topic_prefix: str = "inventory"
    exchange: str = "inventory"
    subscriptions: tuple = ()
    message_id_field: str = None
    prefetch: int = 50
    max_bytes: int = 256 * 1024
    secrets: tuple = ()

    def tls_context(self):
        """An ``ssl.SSLContext`` for TLS addresses (CA file, client certificate), else None.

        Raises ``OSError``/``ssl.SSLError`` when a file cannot be read.
        """
        if not self.address.tls:
            return None
        context = ssl.create_default_context(cafile=self.ca_file or None)
        if self.cert_file:
            context.load_cert_chain(self.cert_file, self.key_file or None)
        return context


def partition_parts(partition_key):
    """``(company id, product id)`` of a product's partition key, or ``None``."""
    match = _PRODUCT_KEY.fullmatch(partition_key or "")
    return (match.group(2), match.group(1)) if match else None


def mqtt_topic(prefix, partition_key):
    """The topic of a key: ``<prefix>/<company id>/<product id>`` (MQTT wildcards never appear).

    A key of another shape becomes one topic level, its ``/ + #`` replaced by ``_``.
    """
    parts = partition_parts(partition_key)
    tail = "/".join(parts) if parts else _TOPIC_UNSAFE.sub("_", partition_key or "_")
    return f"{prefix.rstrip('/')}/{tail}" if prefix else tail
