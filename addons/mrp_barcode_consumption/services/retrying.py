"""Bounded retries of a scan for doors that own their transaction.

``consume_scan`` and ``undo_last_scan`` raise PostgreSQL concurrency errors
unchanged (nothing written): two handhelds on one MO are serialized on the MO
row, and the one whose snapshot is older than the other's commit must start
again on a new snapshot. Odoo's RPC (``/web/dataset/call_kw``) already does
that; a door that owns its request's transaction (the device endpoint, a
connector's job) calls :func:`scan_with_retry` instead, which rolls the
transaction back, waits a little and tries again in READ COMMITTED (the lock
then waits for the other scan and reads its result instead of failing), and
answers code ``retry``
(HTTP 409, "try again") after ``tries`` attempts, logged like any refusal.

Only for a transaction that holds nothing else: the rollback discards all of it.
"""

import logging
import random
import time

from psycopg2 import errors
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

_logger = logging.getLogger(__name__)

#: Errors after which the same request may succeed on a new snapshot.
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.LockNotAvailable,
    errors.DeadlockDetected,
)

DEFAULT_TRIES = 5


def scan_with_retry(env, method, tries=DEFAULT_TRIES, backoff=0.02, **kwargs):
    """Call ``env["mrp.production"].<method>(**kwargs)``, retried on concurrency errors.

    :param env: an environment whose cursor's transaction holds only this scan.
    :param str method: ``"consume_scan"`` or ``"undo_last_scan"``.
    :param int tries: attempts before answering ``retry``.
    :param float backoff: seconds; attempt *n* waits up to ``backoff * 2**n``, jittered.
    :return: the service's answer dict.
    """
    if method not in ("consume_scan", "undo_last_scan"):
        raise ValueError(f"not a scan service method: {method!r}")
    for attempt in range(tries):
        try:
            return getattr(env["mrp.production"], method)(**kwargs)
        except CONCURRENCY_ERRORS as error:
            env.cr.rollback()
            env.invalidate_all()
            env.registry.reset_changes()
            _logger.info(
                "scan %s: %s, attempt %d of %d", kwargs.get("scan_id"), error, attempt + 1, tries
            )
            if attempt + 1 < tries:
                time.sleep(random.uniform(0, backoff * 2**attempt))  # noqa: S311 (jitter)
                # The retry reads committed data: under REPEATABLE READ, the wait on the
                # MO's row lock ends in a serialization failure whenever the other scan
                # commits first, so a busy handheld could lose every attempt. The lock is
                # taken before any field of the MO is read (``_scan_lock``), so from then
                # on the scans of one MO stay serialized on fresh data.
                # Only where the rollback ended the transaction (a test cursor rolls back
                # to a savepoint, inside which the isolation level cannot change).
                cnx = getattr(env.cr, "_cnx", None)
                if cnx is not None and cnx.info.transaction_status == TRANSACTION_STATUS_IDLE:
                    env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return env["mrp.production"]._scan_retry_answer(method, kwargs)
