"""Signed webhooks as a remote system sends them to Odoo: the connectors' simulators share it.

The REST WMS (``stock_sync_connector_rest``) and the SOAP MES
(``stock_sync_connector_soap``) simulators push to Odoo with Standard
Webhooks headers, signed with the official ``standardwebhooks`` library.
Plain Python, no Odoo import: the simulators import it in Odoo's tests, in
bench/ and when bin/run's demo starts them alone.
"""

import base64
import datetime
import hashlib
import hmac
import time
import urllib.error
import urllib.request
import uuid

from standardwebhooks.webhooks import Webhook


def sign(secret, msg_id, moment, payload):
    """Standard Webhooks signature of ``payload`` (bytes), with the official library.

    A body that is not UTF-8 (a fault test) is signed by hand, the same way:
    the library only signs text.
    """
    try:
        return Webhook(secret).sign(msg_id, moment, payload.decode("utf-8"))
    except UnicodeDecodeError:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        content = f"{msg_id}.{int(moment.timestamp())}.".encode() + payload
        digest = hmac.new(key, content, hashlib.sha256).digest()
        return "v1," + base64.b64encode(digest).decode()


def send_signed(url, payload, secret, headers, *, webhook_id=None, timestamp=None):
    """POST ``payload`` (bytes) to ``url`` with ``headers`` and signed webhook headers.

    ``webhook_id``: reuse an id (a replay); ``timestamp``: a Unix time other
    than now (stale). Returns ``(HTTP status, body bytes)``: an HTTP error is
    an answer too; a connection failure raises ``OSError``.
    """
    msg_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    moment = datetime.datetime.fromtimestamp(
        timestamp if timestamp is not None else time.time(), datetime.UTC
    )
    headers = {
        **headers,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": sign(secret, msg_id, moment, payload),
    }
    request = urllib.request.Request(url, data=payload, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
