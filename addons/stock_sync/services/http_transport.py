"""The HTTP transport: a signed CloudEvents batch POSTed to a webhook URL.

One pooled ``requests.Session`` per endpoint and process, keyed by database
and endpoint, with no cookies, an explicit timeout, no redirects and no
transport-level retries: retries are durable, in the database, with backoff,
and belong to the engine (see ``transport``).
"""

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

from . import retry_policy
from .transport import (
    CONFIG,
    CONNECTION,
    DELIVERED,
    HTTP_4XX,
    HTTP_5XX,
    INVALID_RESPONSE,
    REFUSED,
    RETRY,
    TIMEOUT,
    SendResult,
    Transport,
    register,
)

_logger = logging.getLogger(__name__)

EXCERPT_LENGTH = 500
MAX_BODY = 64 * 1024  # of an answer we only keep an excerpt


def check_url(url, allow_local=True):
    """Return an error message if ``url`` is not an absolute http(s) URL; never raises.

    With ``allow_local=False`` it also refuses a host that is this machine or
    its link: a loopback address (127.0.0.0/8, ::1), a link-local one
    (169.254.0.0/16, where clouds serve instance credentials, and fe80::/10),
    an unspecified one (0.0.0.0/8, ::) and the ``localhost`` names. Only
    literal addresses and those names are judged: no name is resolved here.
    Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) stay allowed: that
    is where on-premises WMS and MES live. The message never quotes the URL.
    """
    error = (
        "The endpoint URL must be an absolute http:// or https:// URL with a valid host and port."
    )
    try:
        parts = urlsplit(url or "")
        port = parts.port  # raises ValueError for a port out of range
        if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
            return error
        if not allow_local and _is_local_host(parts.hostname):
            return (
                "The endpoint URL points at this server or its local link (loopback, "
                "link-local or unspecified address, or localhost): a subscriber must be "
                "another machine. An administrator may allow it for tests and demos with "
                "the system parameter stock_sync.allow_local_urls."
            )
    except Exception:  # noqa: BLE001 - a URL check says what is wrong, it never raises
        return error
    return None


_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


def _literal_address(host):
    """The IP address ``host`` spells, or None for a name (never resolved)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone is no part of it
    except ValueError:
        if not host or any(char not in "0123456789abcdefx." for char in host):
            return None
    # The legacy IPv4 forms the resolver still accepts: 127.1, 2130706433, 0x7f.0.0.1.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _is_local_host(hostname):
    """Is ``hostname`` (lower case, as urlsplit gives it) this machine or its link?"""
    host = hostname.rstrip(".")
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    address = _literal_address(host)
    if address is None:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or (address.version == 4 and address in _THIS_NETWORK)
    )


# The connection each sending thread is using, so that a watchdog can cut it
# when the whole request outlives its deadline (a timeout only bounds each read).
_in_use = threading.local()


class _TrackedPool:
    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout=timeout)
        holder = getattr(_in_use, "holder", None)
        if holder is not None:
            holder["conn"] = conn
        return conn


class _TrackedHTTPPool(_TrackedPool, HTTPConnectionPool):
    pass


class _TrackedHTTPSPool(_TrackedPool, HTTPSConnectionPool):
    pass


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        result = super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _TrackedHTTPPool,
            "https": _TrackedHTTPSPool,
        }
        return result


def _cut(holder):
    """The deadline passed: shut the request's socket, the send fails at once."""
    holder["cut"] = True
    sock = getattr(holder.get("conn"), "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def _deadline(seconds):
    holder = {}
    _in_use.holder = holder
    watchdog = threading.Timer(seconds, _cut, (holder,))
    watchdog.daemon = True
    watchdog.start()
    try:
        yield holder
    finally:
        watchdog.cancel()
        _in_use.holder = None


_sessions = {}
_sessions_lock = threading.Lock()


def _session(key):
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = requests.Session()
            # A receiver's cookies must never reach another request of ours.
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[key] = session
        return session


def drop_session(key):
    with _sessions_lock:
        session = _sessions.pop(key, None)
    if session is not None:
        session.close()


@register
class HttpTransport(Transport):
    """Standard Webhooks over HTTP: the batch is the body, the signature in headers."""

    key = "http"

    @classmethod
    def check_address(cls, address):
        return check_url(address)

    @classmethod
    def describe_address(cls, address):
        return _where(address)

    @classmethod
    def forget(cls, endpoint_key):
        drop_session(endpoint_key)

    def send(self, batch):
        """POST ``batch.body`` to ``batch.address``; never raises for network or HTTP problems.

        Error texts never contain the secrets, the signature headers, or the
        URL's path and query (which may carry a token): only scheme and host.
        """
        url, timeout = batch.address, batch.timeout
        if check_url(url):
            return SendResult(
                REFUSED,
                error_class=CONFIG,
                error="The endpoint URL is not an absolute http:// or https:// URL: "
                "correct it on the endpoint.",
                endpoint_problem=True,
            )
        headers = dict(batch.headers, **{"Content-Type": batch.content_type})
        started = time.monotonic()
        try:
            # ``timeout`` bounds each read; the deadline bounds the whole request,
            # so a receiver trickling its answer cannot hold the claim (the batch's
            # row locks) past it.
            with _deadline(timeout) as deadline:
                try:
                    response = _session(batch.endpoint_key).post(
                        url,
                        data=batch.body.encode(),
                        headers=headers,
                        # One number for connect and read: Odoo's test harness (and
                        # some proxies of requests) only understand a plain timeout.
                        timeout=timeout,
                        allow_redirects=False,
                        stream=True,
                    )
                    text = _read_excerpt(response, started + timeout)
                    if deadline.get("cut"):  # what was cut short may parse as an answer
                        raise requests.Timeout(f"no complete answer within {timeout:g} s")
                except requests.RequestException as exc:
                    if deadline.get("cut"):
                        raise requests.Timeout(f"no complete answer within {timeout:g} s") from exc
                    raise
        except requests.Timeout as exc:
            return SendResult(
                RETRY,
                error_class=TIMEOUT,
                error=f"No answer within {timeout:g} s ({_describe(exc, url)}).",
                duration=time.monotonic() - started,
            )
        except requests.ConnectionError as exc:
            error_class = INVALID_RESPONSE if _is_protocol_error(exc) else CONNECTION
            return SendResult(
                RETRY,
                error_class=error_class,
                error=_describe(exc, url),
                duration=time.monotonic() - started,
            )
        except requests.RequestException as exc:
            return SendResult(
                RETRY,
                error_class=INVALID_RESPONSE,
                error=_describe(exc, url),
                duration=time.monotonic() - started,
            )
        return classify_response(response, time.monotonic() - started, text)


def _read_excerpt(response, deadline):
    """Read at most MAX_BODY bytes of the answer, and stop at ``deadline``.

    The timeout bounds each socket read, not the whole answer: a receiver
    trickling bytes could otherwise hold the batch's claim for as long as it likes.
    A fully read answer leaves the connection in the pool for the next batch.
    """
    chunks, size = [], 0
    for chunk in response.iter_content(4096):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY or time.monotonic() > deadline:
            response.close()
            break
    return b"".join(chunks).decode(response.encoding or "utf-8", "replace")


def classify_response(response, duration, text=None):
    """Turn an HTTP answer into a ``SendResult`` (the rule is in ``retry_policy``)."""
    status = response.status_code
    text = response.text if text is None else text
    result = SendResult(
        RETRY, status_code=status, excerpt=(text or "")[:EXCERPT_LENGTH], duration=duration
    )
    retry_after = retry_policy.parse_retry_after(response.headers.get("Retry-After"))
    if 200 <= status < 300:
        result.outcome = DELIVERED
    elif status in retry_policy.ENDPOINT_STATUSES:
        # Nothing in the batch can cause these: the endpoint is misconfigured.
        # Keep the events and tell people, rather than kill every key's head.
        result.error_class, result.endpoint_problem = HTTP_4XX, True
        result.error = (
            f"The receiver refuses this endpoint's requests (HTTP {status}): "
            "check its URL and secrets."
        )
    elif status in retry_policy.PERMANENT_STATUSES:
        result.outcome, result.error_class = REFUSED, HTTP_4XX
        result.error = f"The receiver refused the batch (HTTP {status})."
    elif 400 <= status < 500:
        result.error_class, result.retry_after = HTTP_4XX, retry_after
        result.error = f"The receiver asked to try again later (HTTP {status})."
    elif status >= 500:
        result.error_class, result.retry_after = HTTP_5XX, retry_after
        result.error = f"The receiver failed (HTTP {status})."
    else:
        result.error_class = INVALID_RESPONSE
        result.error = f"Unexpected HTTP {status}: a receiver answers 2xx to accept a batch."
    return result


def _is_protocol_error(exc):
    """True when the peer answered something that is not HTTP.

    requests wraps urllib3's ProtocolError(BadStatusLine) in a ConnectionError;
    its text is the only stable place where the cause shows.
    """
    return "BadStatusLine" in str(exc)


_CAUSES = (
    "Connection refused",
    "Connection reset",
    "Remote end closed",
    "BadStatusLine",
    "Name or service not known",
    "No route to host",
    "timed out",
    "SSL",
    "certificate",
)


def _where(url):
    """Scheme, host and port of ``url``, never its path or query; never raises."""
    try:
        parts = urlsplit(url or "")
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    except ValueError:
        return "a malformed URL"


def _describe(exc, url):
    """Say what failed and where, with the host only (no path, no query)."""
    text = str(exc)
    cause = next((c for c in _CAUSES if c in text), None)
    return f"{exc.__class__.__name__} talking to {_where(url)}" + (f": {cause}" if cause else "")
