"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

``webhook-signature`` carries one ``v1,<base64(HMAC-SHA256)>`` per active
secret, space separated, so a subscriber keeps verifying while secrets rotate.
Secrets have the standard form ``whsec_`` + base64 of 24 to 64 random bytes.
"""

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
import time
import uuid

SECRET_PREFIX = "whsec_"
# Fixed namespace so that a batch with the same events keeps the same
# webhook-id across retries, as Standard Webhooks asks.
BATCH_NAMESPACE = uuid.UUID("6c1b7a52-45a4-4b8e-9c1b-3f1e0f6f2a10")
TIMESTAMP_TOLERANCE = 5 * 60


class SignatureError(ValueError):
    """The request is not signed by a known secret, or is stale or replayed."""


def generate_secret(n_bytes=32):
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(n_bytes)).decode()


def secret_key(secret):
    """The raw key bytes of a ``whsec_`` secret; raises ValueError if malformed."""
    if not secret or not secret.startswith(SECRET_PREFIX):
        raise ValueError("A webhook secret starts with 'whsec_'.")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("A webhook secret is 'whsec_' followed by base64.") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("A webhook secret holds 24 to 64 random bytes.")
    return key


def message_id(event_ids):
    """The ``webhook-id`` of a batch: the same events give the same id on every retry."""
    return "msg_" + uuid.uuid5(BATCH_NAMESPACE, ",".join(event_ids)).hex


def signature(secret, msg_id, timestamp, body):
    if isinstance(body, str):
        body = body.encode()
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(secrets, msg_id, body, timestamp=None):
    """Headers for one message, signed with every given secret."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }


def verify(secrets, headers, body, now=None):
    """Check a received message; returns its webhook-id or raises SignatureError.

    Replay protection against ids already seen is the caller's job (it needs
    storage); here only the signature and the timestamp window are checked.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    received = lowered.get("webhook-signature")
    if not (msg_id and timestamp and received):
        raise SignatureError("Missing webhook-id, webhook-timestamp or webhook-signature header.")
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise SignatureError("webhook-timestamp is not a Unix time in seconds.") from exc
    now = time.time() if now is None else now
    if abs(now - ts) > TIMESTAMP_TOLERANCE:
        raise SignatureError("webhook-timestamp is more than 5 minutes away from now.")
    offered = {part.strip() for part in received.split(" ") if part.strip()}
    for secret in secrets:
        expected = signature(secret, msg_id, ts, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id
    raise SignatureError("No signature matches an active secret.")
