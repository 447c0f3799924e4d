"""The signed-webhook door shared by every protocol module (REST WMS, LIMS, ...).

Pure Python, no Odoo import: a controller reads the body with :func:`read_body`,
then the backend's ``_webhook_read`` (``stock.sync.backend``) checks it in the
order of :data:`CHECKS` and hands back the webhook id and the JSON document, or
raises :class:`WebhookAnswer` with what the sender must hear.
"""

JSON_TYPES = (
    "application/json",
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
)
CHECKS = ("size", "signature and timestamp", "replayed webhook-id", "content type", "JSON")


class WebhookAnswer(Exception):  # noqa: N818 - an answer, not an error of ours
    """The request is answered before its events are read.

    :param int status: the HTTP status (401, 413, 415, 400, or 200 for a replay).
    :param dict answer: the JSON body, ``{"status": "rejected"|"duplicate", ...}``.
    """

    def __init__(self, status, answer):
        super().__init__(answer.get("error") or answer.get("detail") or answer.get("status"))
        self.status, self.answer = status, answer


def read_body(httprequest, limit):
    """The raw body of a werkzeug request, at most ``limit`` bytes: ``(body, too_large)``.

    A declared ``Content-Length`` over the limit is refused unread; a chunked
    body is read within the server's own request limit, then measured.
    """
    declared = httprequest.content_length or 0
    body = b"" if declared > limit else httprequest.get_data(cache=False)
    return body, declared > limit or len(body) > limit
