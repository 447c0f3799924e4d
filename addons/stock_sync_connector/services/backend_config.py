"""What a protocol client needs to know about a backend, as plain data.

Read once from the ``stock.sync.backend`` record (secrets included, in the
process that sends), then used outside any transaction: no ORM here. The
OAuth2 client-credentials token (RFC 6749 section 4.4) is cached per backend
and process until shortly before it expires.
"""

import threading
import time
from dataclasses import dataclass

import requests

NONE, API_KEY, BASIC, OAUTH2 = "none", "api_key", "basic", "oauth2"
# Renew a token this many seconds before the server says it expires.
TOKEN_MARGIN = 30


class AuthError(Exception):
    """The backend's credentials were refused, or no token could be obtained."""


@dataclass(frozen=True)
class AuthConfig:
    kind: str = NONE
    header: str = "X-API-Key"
    api_key: str = None
    username: str = None
    password: str = None
    token_url: str = None
    client_id: str = None
    client_secret: str = None
    scope: str = None


@dataclass(frozen=True)
class BackendConfig:
    """One backend's connection settings.

    ``key`` identifies the backend and the version of its settings
    (database, id, write date): pools and tokens are kept per key, so a
    change of URL or credentials never reuses the old ones.
    """

    key: tuple
    name: str
    base_url: str
    auth: AuthConfig
    connect_timeout: float = 5.0  # seconds
    read_timeout: float = 15.0  # seconds
    rate_limit: float = 0.0  # requests per second, 0 = unlimited

    @property
    def timeout(self):
        return (self.connect_timeout, self.read_timeout)


_tokens = {}
_tokens_lock = threading.Lock()


def forget_token(key):
    with _tokens_lock:
        _tokens.pop(key, None)


def _fetch_token(session, config):
    auth = config.auth
    data = {"grant_type": "client_credentials"}
    if auth.scope:
        data["scope"] = auth.scope
    try:
        # RFC 6749 2.3.1: client credentials in HTTP basic authentication.
        response = session.post(
            auth.token_url,
            data=data,
            auth=(auth.client_id or "", auth.client_secret or ""),
            timeout=config.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise AuthError(f"The token endpoint did not answer ({exc.__class__.__name__}).") from exc
    if response.status_code in (400, 401, 403):
        raise AuthError(
            f"The token endpoint refused the client credentials (HTTP {response.status_code})."
        )
    try:
        payload = response.json()
        token = payload["access_token"]
        lifetime = float(payload.get("expires_in") or 300)
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError(
            f"The token endpoint answered HTTP {response.status_code} without an access_token."
        ) from exc
    return token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 1)


def auth_headers(session, config):
    """The headers that authenticate one request to the backend.

    ``session`` is the pooled ``requests.Session`` used to fetch an OAuth2
    token when none is cached. Raises :class:`AuthError` when no token can be
    obtained. HTTP basic is returned as a header too, so that callers pass
    one dict.
    """
    auth = config.auth
    if auth.kind == API_KEY:
        return {auth.header or "X-API-Key": auth.api_key or ""}
    if auth.kind == BASIC:
        basic = requests.auth._basic_auth_str(auth.username or "", auth.password or "")
        return {"Authorization": basic}
    if auth.kind == OAUTH2:
        with _tokens_lock:
            cached = _tokens.get(config.key)
        if not cached or cached[1] <= time.monotonic():
            cached = _fetch_token(session, config)
            with _tokens_lock:
                _tokens[config.key] = cached
        return {"Authorization": f"Bearer {cached[0]}"}
    return {}


@dataclass(frozen=True)
class TransportContext:
    """A backend as an outbound transport sees it: settings and cross-references.

    ``skus``: {product id: external SKU}; ``locations``: {location id:
    external code}; ``units``: {product id: (external unit, factor)} for
    products whose Odoo unit is mapped, where one external unit is ``factor``
    of the product's units (without, quantities are in the product's unit).
    ``statuses``: {quality-hold bucket: external status}, set when the
    quality-hold glue (``stock_sync_connector_quality_hold``) is installed;
    ``None`` without it.
    """

    config: BackendConfig
    skus: dict
    locations: dict
    units: dict
    statuses: dict = None
