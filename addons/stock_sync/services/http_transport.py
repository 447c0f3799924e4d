"""Send a batch of CloudEvents to one endpoint over HTTP and classify the answer.

One pooled ``requests.Session`` per endpoint and process, an explicit timeout,
no redirects and no transport-level retries: retries are durable, in the
database, with backoff (see ``retry_policy``).
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from . import retry_policy, webhook_signature

_logger = logging.getLogger(__name__)

BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
EXCERPT_LENGTH = 500
MAX_BODY = 64 * 1024  # of an answer we only keep an excerpt
# Fixed namespace so that a batch with the same events keeps the same
# webhook-id across retries, as Standard Webhooks asks.
BATCH_NAMESPACE = uuid.UUID("6c1b7a52-45a4-4b8e-9c1b-3f1e0f6f2a10")

_sessions = {}
_sessions_lock = threading.Lock()


@dataclass
class SendResult:
    outcome: str  # "delivered", "retry" or "dead"
    status_code: int = None
    error_class: str = None  # timeout, connection, http_4xx, http_5xx, invalid_response, config
    error: str = None
    excerpt: str = None
    retry_after: float = None
    duration: float = 0.0
    endpoint_problem: bool = False  # the receiver refuses the endpoint, not this batch


def check_url(url):
    """Return an error message if ``url`` is not an absolute http(s) URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"The endpoint URL must be an absolute http:// or https:// URL, not {url!r}."
    return None


def batch_message_id(event_ids):
    return "msg_" + uuid.uuid5(BATCH_NAMESPACE, ",".join(event_ids)).hex


def _session(key):
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[key] = session
        return session


def drop_session(key):
    with _sessions_lock:
        session = _sessions.pop(key, None)
    if session is not None:
        session.close()


def send_batch(session_key, url, secrets, event_ids, body, timeout):
    """POST ``body`` (a JSON array of events, as text) to ``url``, signed.

    Never raises for network or HTTP problems: they become a ``SendResult``.
    Error texts never contain the secrets, the signature headers, or the
    URL's path and query (which may carry a token): only scheme and host.
    """
    if check_url(url):
        return SendResult(
            "dead",
            error_class="config",
            error="The endpoint URL is not an absolute http:// or https:// URL: correct it on the endpoint.",
        )
    if not secrets:
        return SendResult(
            "retry", error_class="config", error="The endpoint has no active secret: add one."
        )
    try:
        headers = webhook_signature.sign_headers(secrets, batch_message_id(event_ids), body)
    except ValueError:
        return SendResult(
            "retry",
            error_class="config",
            error="An active secret of the endpoint is malformed: archive it and add a new one.",
        )
    headers["Content-Type"] = BATCH_CONTENT_TYPE
    started = time.monotonic()
    try:
        response = _session(session_key).post(
            url,
            data=body.encode(),
            headers=headers,
            # One number for connect and read: Odoo's test harness (and some
            # proxies of requests) only understand a plain timeout.
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        text = _read_excerpt(response, started + timeout)
    except requests.Timeout as exc:
        return SendResult(
            "retry",
            error_class="timeout",
            error=f"No answer within {timeout:g} s ({_describe(exc, url)}).",
            duration=time.monotonic() - started,
        )
    except requests.ConnectionError as exc:
        error_class = "invalid_response" if _is_protocol_error(exc) else "connection"
        return SendResult(
            "retry",
            error_class=error_class,
            error=_describe(exc, url),
            duration=time.monotonic() - started,
        )
    except requests.RequestException as exc:
        return SendResult(
            "retry",
            error_class="invalid_response",
            error=_describe(exc, url),
            duration=time.monotonic() - started,
        )
    return classify_response(response, time.monotonic() - started, text)


def _read_excerpt(response, deadline):
    """Read at most MAX_BODY bytes of the answer, and stop at ``deadline``.

    The timeout bounds each socket read, not the whole answer: a receiver
    trickling bytes could otherwise keep a batch in flight past its lease.
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
    status = response.status_code
    text = response.text if text is None else text
    result = SendResult(
        "retry", status_code=status, excerpt=(text or "")[:EXCERPT_LENGTH], duration=duration
    )
    retry_after = retry_policy.parse_retry_after(response.headers.get("Retry-After"))
    if 200 <= status < 300:
        result.outcome = "delivered"
    elif status in retry_policy.ENDPOINT_STATUSES:
        # Nothing in the batch can cause these: the endpoint is misconfigured.
        # Keep the events and tell people, rather than kill every key's head.
        result.error_class, result.endpoint_problem = "http_4xx", True
        result.error = f"The receiver refuses this endpoint's requests (HTTP {status}): check its URL and secrets."
    elif status in retry_policy.PERMANENT_STATUSES:
        result.outcome, result.error_class = "dead", "http_4xx"
        result.error = f"The receiver refused the batch for good (HTTP {status})."
    elif 400 <= status < 500:
        result.error_class, result.retry_after = "http_4xx", retry_after
        result.error = f"The receiver asked to try again later (HTTP {status})."
    elif status >= 500:
        result.error_class, result.retry_after = "http_5xx", retry_after
        result.error = f"The receiver failed (HTTP {status})."
    else:
        result.error_class = "invalid_response"
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


def _describe(exc, url):
    """Say what failed and where, with the host only (no path, no query)."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    text = str(exc)
    cause = next((c for c in _CAUSES if c in text), None)
    return f"{exc.__class__.__name__} talking to {where}" + (f": {cause}" if cause else "")
