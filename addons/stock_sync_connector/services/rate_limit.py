"""A token bucket per backend and process: at most N requests per second.

Each Odoo process (worker or thread server) keeps its own bucket, so a site
with W workers sends at most W x N requests per second: set N accordingly.
"""

import threading
import time

_buckets = {}
_lock = threading.Lock()


def wait_turn(key, per_second, max_wait=None):
    """Block until a request to backend ``key`` may leave; return the seconds waited.

    ``per_second`` <= 0 means no limit. With ``max_wait`` (seconds), return
    ``None`` instead of waiting longer than that: the caller reports a retry.
    """
    if not per_second or per_second <= 0:
        return 0.0
    interval = 1.0 / per_second
    with _lock:
        now = time.monotonic()
        next_free = max(_buckets.get(key, now), now)
        delay = next_free - now
        if max_wait is not None and delay > max_wait:
            return None
        _buckets[key] = next_free + interval
    if delay > 0:
        time.sleep(delay)
    return delay
