"""The HTTP client of a REST WMS: one pooled session per backend and process.

* explicit timeouts (connect, read) on every call;
* urllib3 ``Retry`` only for idempotent methods (GET, HEAD, PUT, DELETE,
  OPTIONS), on connection errors and 502/503/504: a POST is never repeated
  here, the delivery engine retries it durably with the event id as the
  ``Idempotency-Key``;
* the backend's authentication (``backend_config.auth_headers``) and rate
  limit (``rate_limit.wait_turn``);
* no cookies, no redirects.
"""

import threading
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from odoo.addons.stock_sync_connector.services import backend_config, rate_limit

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY = Retry(
    total=2,
    connect=2,
    read=2,
    status=2,
    backoff_factor=0.2,
    status_forcelist=(502, 503, 504),
    allowed_methods=IDEMPOTENT,
    raise_on_status=False,
    respect_retry_after_header=False,  # never sleep longer than our own timeouts
)

_sessions = {}
_lock = threading.Lock()


def session_for(key):
    """The pooled session of one backend's settings (``BackendConfig.key``)."""
    with _lock:
        session = _sessions.get(key)
        if session is None:
            # Settings changed: the old session of this backend goes.
            for old_key in [k for k in _sessions if k[:2] == key[:2]]:
                _sessions.pop(old_key).close()
                backend_config.forget_token(old_key)
            session = requests.Session()
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=4, max_retries=RETRY)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _sessions[key] = session
        return session


class RestClient:
    """Calls to one backend. Raises ``requests.RequestException`` or ``AuthError``."""

    def __init__(self, config):
        self.config = config
        self.session = session_for(config.key)

    def request(self, method, path, json_body=None, params=None, headers=None):
        """One call; ``path`` is relative to the base URL. Returns the ``requests.Response``.

        Waits for the rate limit at most the read timeout, then raises
        ``requests.Timeout`` (the caller retries later).
        """
        config = self.config
        if rate_limit.wait_turn(config.key[:2], config.rate_limit, config.read_timeout) is None:
            raise requests.Timeout(f"rate limit of {config.rate_limit:g} requests/s reached")
        all_headers = dict(headers or {}, Accept="application/json")
        all_headers.update(backend_config.auth_headers(self.session, config))
        return self.session.request(
            method,
            f"{config.base_url}/{path.lstrip('/')}",
            json=json_body,
            params=params,
            headers=all_headers,
            timeout=config.timeout,
            allow_redirects=False,
        )
