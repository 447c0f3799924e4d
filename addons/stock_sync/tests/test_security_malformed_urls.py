import logging
from contextlib import contextmanager

from odoo import api
from odoo.exceptions import ValidationError
from odoo.http import serialize_exception
from odoo.tests import tagged

from .common import StockSyncCase

TOKEN = "tok-5ecr3t-4f9a"
MALFORMED = (
    f"http://[::1/events?token={TOKEN}",
    f"http://wms.example.com:99999/in?token={TOKEN}",
    f"http://user:{TOKEN}@:80/in",
    f"https://wms.example.com:-1/in?token={TOKEN}",
)


class _Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@tagged("post_install", "-at_install")
class TestMalformedUrls(StockSyncCase):
    """A malformed URL is a clean ValidationError that never repeats the URL, so its
    token reaches neither the user's error, nor the server log, nor its traceback."""

    @contextmanager
    def _logged(self):
        handler, logger = _Keep(), logging.getLogger("odoo")
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            yield handler.lines
        finally:
            logger.setLevel(level)
            logger.removeHandler(handler)

    def _rpc(self, method, args):
        """As JSON-RPC's call_kw does it, then as odoo.http logs and serializes the error."""
        model = self.env["stock.sync.endpoint"].with_user(self.sync_manager)
        with self._logged() as lines:
            try:
                with self.env.cr.savepoint():
                    api.call_kw(model, method, args, {})
            except ValidationError as exc:
                logging.getLogger("odoo.http").warning(exc)
                return exc, serialize_exception(exc), lines
        self.fail(f"{method} with a malformed URL was accepted")

    def test_create_and_write_refuse_cleanly(self):
        for url in MALFORMED:
            for method, args in (
                ("create", [{"name": "Bad", "url": url}]),
                ("write", [self.endpoint.ids, {"url": url}]),
            ):
                with self.subTest(url=url, method=method):
                    exc, serialized, lines = self._rpc(method, args)
                    self.assertIn("http:// or https://", str(exc))
                    self.assertIsNone(exc.__cause__)
                    self.assertNotIn(TOKEN, str(exc))
                    self.assertNotIn(TOKEN, repr(serialized), "nor in the client's traceback")
                    self.assertTrue(lines, "the server logged the refusal")
                    self.assertNotIn(TOKEN, "\n".join(lines))
        self.endpoint.invalidate_recordset()
        self.assertEqual(self.endpoint.url, "http://127.0.0.1:9/events")
