"""Odoo's own SOAP door for an MES that pushes: ``SubmitConfirmations``.

The WSDL is ``static/wsdl/confirmations.wsdl`` (served per backend at
``/inventory_sync/mes/<backend id>/soap?wsdl``). This module reads a request
envelope and writes the answer or the fault; no Odoo import. The XML parser
neither resolves entities nor reads the network nor accepts huge trees.

Answers (SOAP 1.1): ``SubmitConfirmationsResponse`` with one ``Result``
(``Id``, ``Status``: ``accepted`` | ``duplicate`` | ``rejected``, ``Error``)
per confirmation; a request that cannot be read at all is a
``soap:Client`` fault (HTTP 500, as SOAP 1.1 says), one refused before it
is read (signature, size) an HTTP 401 / 413 carrying a ``soap:Client`` fault.
"""

from lxml import etree

from .mes_events import FIELDS

NS = "urn:inventory-sync:mes:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_CONFIRMATIONS = 500
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True
)


class PushError(ValueError):
    """The request is not a ``SubmitConfirmations`` envelope; the message says what is wrong."""


def read_confirmations(body):
    """The confirmations of a ``SubmitConfirmations`` request, as dicts of their fields (text)."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PushError(f"The body is not well-formed XML: {exc}.") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise PushError("The body is not a SOAP 1.1 Envelope (namespace " + SOAP_ENV + ").")
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    if body_element is None or len(body_element) != 1:
        raise PushError("The SOAP Body must hold exactly one SubmitConfirmations element.")
    request = body_element[0]
    if request.tag != f"{{{NS}}}SubmitConfirmations":
        raise PushError(
            f"Unknown operation {etree.QName(request).localname} (namespace "
            f"{etree.QName(request).namespace}): this service has SubmitConfirmations in {NS}."
        )
    container = request.find(f"{{{NS}}}Confirmations")
    items = [] if container is None else container.findall(f"{{{NS}}}Confirmation")
    if not items:
        raise PushError("SubmitConfirmations holds no Confirmations/Confirmation.")
    if len(items) > MAX_CONFIRMATIONS:
        raise PushError(f"More than {MAX_CONFIRMATIONS} confirmations in one request: split it.")
    confirmations = []
    for item in items:
        values = {name: None for name in FIELDS}
        for child in item:
            name = etree.QName(child).localname
            if name in values:
                values[name] = (child.text or "").strip()
        confirmations.append(values)
    return confirmations


def _envelope(content):
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>{content}</soap:Body></soap:Envelope>'
    ).encode()


def _text(value):
    return (
        str(value if value is not None else "")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def answer(results):
    """The ``SubmitConfirmationsResponse`` for ``[{"id", "status", "error"?}]``."""
    items = "".join(
        f"<m:Result><m:Id>{_text(r['id'])}</m:Id><m:Status>{_text(r['status'])}</m:Status>"
        + (f"<m:Error>{_text(r['error'])}</m:Error>" if r.get("error") else "")
        + "</m:Result>"
        for r in results
    )
    return _envelope(
        f'<m:SubmitConfirmationsResponse xmlns:m="{NS}"><m:Results>{items}</m:Results>'
        "</m:SubmitConfirmationsResponse>"
    )


def fault(message, code="Client"):
    """A SOAP 1.1 fault: ``Client`` (the request is wrong) or ``Server``."""
    return _envelope(
        f"<soap:Fault><faultcode>soap:{_text(code)}</faultcode>"
        f"<faultstring>{_text(message)}</faultstring></soap:Fault>"
    )
