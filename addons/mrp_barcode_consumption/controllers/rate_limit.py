# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A per-device token bucket, kept in the Odoo process.

Why process-local rather than in the database: the limit protects the server from
a runaway device (a stuck trigger, a retry loop), it does not meter anything. A
counter row per device would add a write, and a row lock every request of that
device waits on, to the hot path of every scan, and a rolled-back request would
roll its count back with it. Memory costs nothing and is forgotten on restart,
which is harmless for this purpose. The price: with ``workers = N`` each worker
keeps its own buckets, so a device can get up to N times the limit in the worst
case (requests spread evenly over the workers); set the limit with that in mind.
"""

import math
import threading
import time

#: beyond this many devices, buckets that are full again are forgotten
MAX_TRACKED_KEYS = 10_000


class TokenBucketLimiter:
    """``per_minute`` requests a minute per key, in bursts of up to ``per_minute``.

    Each key has a bucket of ``per_minute`` tokens that refills continuously at
    ``per_minute / 60`` tokens a second; a request takes one token or is refused.
    Thread-safe (Odoo's threaded server serves requests in several threads).
    """

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = {}  # key -> (tokens, last refill time)

    def acquire(self, key, per_minute):
        """Take one token for ``key``.

        :param key: any hashable, e.g. ``(database, user id, device id)``
        :param int per_minute: the limit; 0 or less means unlimited
        :returns: 0.0 when the request may go ahead, else the seconds to wait
            before one token is back (for a ``Retry-After`` header)
        """
        if per_minute <= 0:
            return 0.0
        rate = per_minute / 60.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_TRACKED_KEYS:
                    self._forget_full(now, rate, per_minute)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate

    def _forget_full(self, now, rate, per_minute):
        """Drop the buckets that have refilled completely: they hold no state."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * rate >= per_minute:
                del self._buckets[key]

    def reset(self):
        """Forget every bucket (tests)."""
        with self._lock:
            self._buckets.clear()


def retry_after_header(seconds):
    """Whole seconds for ``Retry-After`` (RFC 9110 10.2.3): never 0 when refused."""
    return str(max(1, math.ceil(seconds)))
