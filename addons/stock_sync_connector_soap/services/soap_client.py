"""The SOAP client of an MES: zeep, one client per backend settings and process.

* the WSDL is read once per process and settings (the zeep ``Client`` is
  kept), and its imported schemas in zeep's in-memory cache: nothing is
  written on disk, nothing in the clone;
* explicit timeouts on every request (connect, read): the WSDL and each
  operation;
* the backend's authentication (``backend_config.auth_headers``: an API key
  header, HTTP basic or an OAuth2 bearer token) on the WSDL and each call;
  its rate limit (``rate_limit.wait_turn``) before each call;
* every failure is one :class:`MesError` that says whether trying again
  can help (``retryable``) and why, in the delivery engine's error classes.
  SOAP 1.1 faults (HTTP 500) are classified by their code: ``Client...``
  (the request is wrong: permanent) or ``Server...`` (retryable).

No ORM here: used outside any transaction, by the dispatcher and the crons.
"""

import threading

import requests
import zeep
from lxml import etree
from zeep import exceptions as zeep_exceptions
from zeep.cache import InMemoryCache
from zeep.transports import Transport

from odoo.addons.stock_sync.services.transport import (
    CONFIG,
    CONNECTION,
    HTTP_4XX,
    HTTP_5XX,
    INVALID_RESPONSE,
    TIMEOUT,
)
from odoo.addons.stock_sync_connector.services import backend_config, rate_limit

# The operations an Inventory Sync MES service offers (tests/mes_simulator.py serves them).
OPERATIONS = ("Ping", "ReportMaterialAvailability", "ReportLotStatus", "GetConfirmations")
# Imported schemas, per process, for an hour: a WSDL read again (new settings) is quick.
_cache = InMemoryCache(timeout=3600)


class MesError(Exception):
    """A call to the MES failed; ``error_class`` is one of the engine's classes.

    ``retryable``: the same call may succeed later (the MES was down, busy,
    slow, or answered garbage); otherwise the request itself was refused.
    ``endpoint_problem``: the settings are wrong (credentials, WSDL), not the
    event: nothing counts as an attempt until someone fixes them.
    """

    def __init__(
        self, message, error_class, retryable, endpoint_problem=False, status=None, code=None
    ):
        super().__init__(message)
        self.error_class, self.retryable = error_class, retryable
        self.endpoint_problem, self.status, self.code = endpoint_problem, status, code


def fault_is_retryable(code):
    """Is a SOAP fault of ``code`` worth retrying? (``soap:Server.Busy`` yes, ``Client.X`` no).

    SOAP 1.1 section 4.4.1: ``Client`` faults mean the message was wrong and
    must not be resent unchanged; ``Server`` faults are about the processing
    and may succeed later. SOAP 1.2 names them ``Sender`` and ``Receiver``.
    An unknown code is retried (bounded by the engine's dead-letter policy).
    """
    local = (code or "").rsplit(":", 1)[-1].split(".", 1)[0]
    return local not in ("Client", "Sender", "VersionMismatch", "MustUnderstand")


class _Transport(Transport):
    """zeep's transport, authenticated and rate-limited; HTTP errors say which."""

    def __init__(self, config, **kwargs):
        self.config = config
        super().__init__(**kwargs)

    def _authenticate(self):
        try:
            self.session.headers.update(backend_config.auth_headers(self.session, self.config))
        except backend_config.AuthError as exc:
            raise MesError(str(exc), CONFIG, False, endpoint_problem=True) from exc

    def load(self, url):
        self._authenticate()
        return super().load(url)

    def post(self, address, message, headers):
        config = self.config
        if rate_limit.wait_turn(config.key[:2], config.rate_limit, config.read_timeout) is None:
            raise MesError(
                f"Rate limit of {config.rate_limit:g} requests/s reached: sent later.",
                TIMEOUT,
                True,
            )
        self._authenticate()
        response = super().post(address, message, headers)
        status = response.status_code
        if status in (401, 403):
            raise MesError(
                f"The MES refused the credentials (HTTP {status}): check the backend's "
                "authentication.",
                CONFIG,
                False,
                endpoint_problem=True,
                status=status,
            )
        # SOAP 1.1 answers faults with HTTP 500 and a fault body: zeep reads those.
        if status != 200 and not (status == 500 and _is_xml(response)):
            retryable = status >= 500 or status in (408, 429)
            raise MesError(
                f"The MES answered HTTP {status} without a SOAP answer.",
                HTTP_5XX if status >= 500 else HTTP_4XX,
                retryable,
                endpoint_problem=status in (404, 405),
                status=status,
            )
        return response


def _is_xml(response):
    content_type = response.headers.get("Content-Type", "")
    return "xml" in content_type


class MesClient:
    """Calls to one MES. Build with :func:`client_for`; raises :class:`MesError` only."""

    def __init__(self, config, soap_address=None):
        self.config = config
        session = requests.Session()
        session.trust_env = False
        session.max_redirects = 0
        transport = _Transport(
            config,
            session=session,
            cache=_cache,
            timeout=config.read_timeout,
            operation_timeout=config.timeout,
        )
        settings = zeep.Settings(strict=True, xml_huge_tree=False, forbid_entities=True)
        try:
            self.client = zeep.Client(config.base_url, transport=transport, settings=settings)
        except MesError:
            raise
        except requests.Timeout as exc:
            raise MesError(
                f"The WSDL was not read within {config.read_timeout:g} s.", TIMEOUT, True
            ) from exc
        except requests.RequestException as exc:
            raise MesError(
                f"The WSDL could not be read ({exc.__class__.__name__}): check the WSDL URL "
                "and the network.",
                CONNECTION,
                True,
            ) from exc
        except (zeep_exceptions.Error, etree.LxmlError, ValueError, KeyError) as exc:
            raise MesError(
                f"The WSDL was read but could not be parsed: {exc}",
                CONFIG,
                False,
                endpoint_problem=True,
            ) from exc
        self.operations = sorted(
            {
                name
                for service in self.client.wsdl.services.values()
                for port in service.ports.values()
                for name in port.binding._operations
            }
        )
        missing = [name for name in OPERATIONS if name not in self.operations]
        if missing:
            raise MesError(
                f"The WSDL was parsed ({len(self.operations)} operations), but it is not an "
                f"Inventory Sync MES service: it lacks {', '.join(missing)}.",
                CONFIG,
                False,
                endpoint_problem=True,
            )
        self.service = self.client.service
        if soap_address:
            binding = next(iter(self.client.wsdl.bindings))
            self.service = self.client.create_service(binding, soap_address)

    def call(self, operation, **arguments):
        """Call ``operation`` with ``arguments``; return zeep's answer object (never ``None``).

        Raises :class:`MesError`: a SOAP fault (``code`` set, ``retryable``
        per :func:`fault_is_retryable`), a timeout, a connection error, an
        HTTP error, or an answer that is not the operation's (malformed XML,
        another element, nothing).
        """
        where = self.config.name
        try:
            answer = getattr(self.service, operation)(**arguments)
        except MesError:
            raise
        except zeep_exceptions.Fault as fault:
            retryable = fault_is_retryable(fault.code)
            raise MesError(
                f"The MES answered {operation} with the SOAP fault {fault.code}: {fault.message}",
                HTTP_5XX if retryable else HTTP_4XX,
                retryable,
                status=500,
                code=fault.code,
            ) from fault
        except requests.Timeout as exc:
            raise MesError(
                f"No answer from {where} to {operation} within {self.config.read_timeout:g} s.",
                TIMEOUT,
                True,
            ) from exc
        except requests.ConnectionError as exc:
            raise MesError(
                f"Could not connect to {where} ({exc.__class__.__name__}).", CONNECTION, True
            ) from exc
        except requests.RequestException as exc:
            raise MesError(
                f"{operation} to {where} failed ({exc.__class__.__name__}).", CONNECTION, True
            ) from exc
        except (zeep_exceptions.Error, etree.LxmlError, ValueError, TypeError) as exc:
            raise MesError(
                f"The MES's answer to {operation} is not valid: {str(exc)[:300]}",
                INVALID_RESPONSE,
                True,
            ) from exc
        if answer is None:
            raise MesError(
                f"The MES's answer to {operation} is not a {operation}Response.",
                INVALID_RESPONSE,
                True,
            )
        return answer


_clients = {}
_lock = threading.Lock()


def client_for(config, soap_address=None):
    """The MES client of one backend's settings (``BackendConfig.key``), WSDL read once.

    Raises :class:`MesError` when the WSDL cannot be read or is not an MES
    service's; nothing is kept then, the next call tries again.
    """
    # Timeouts and the rate limit are the transport's: a change builds a new client too.
    key = (config.key, soap_address, config.timeout, config.rate_limit)
    with _lock:
        client = _clients.get(key)
    if client is not None:
        return client
    client = MesClient(config, soap_address)
    with _lock:
        # Settings changed: the old clients of this backend go.
        for old in [k for k in _clients if k[0][:2] == config.key[:2] and k != key]:
            _clients.pop(old).client.transport.session.close()
            backend_config.forget_token(old[0])
        _clients[key] = client
    return client


def forget(key_prefix, wsdl_url=None):
    """Drop the clients of a backend (``(database, backend id)``), and its cached WSDL.

    The next call reads the WSDL again (*Test Connection* does, so that it
    checks the MES's current WSDL).
    """
    if wsdl_url:
        _cache._cache.pop(wsdl_url, None)  # zeep's InMemoryCache has no removal method
    with _lock:
        for old in [k for k in _clients if k[0][:2] == key_prefix]:
            _clients.pop(old).client.transport.session.close()
