"""When to try a failed delivery again, and when to give up.

Exponential backoff with "equal jitter": half of the delay is fixed, half is
random, so retries of many deliveries that failed together spread out while
each one still waits at least half of its exponential delay.
"""

import email.utils
import random
import time

# 4xx answers that refuse a batch's content, which trying again will not change.
PERMANENT_STATUSES = frozenset({400, 406, 411, 413, 414, 415, 422})
# 4xx answers about the endpoint (authentication, address): every batch would
# get them, so they pause the endpoint and alert people instead of killing events.
ENDPOINT_STATUSES = frozenset({401, 403, 404, 405, 410})


def refused_alike(first, second):
    """Is a refusal about the endpoint rather than the events? The one rule.

    When the first events of two different keys, sent alone, are both
    refused for good with the same status, no single bad event explains it:
    the receiver refuses everything we send (a signature it cannot verify,
    a clock it finds stale, a schema it no longer accepts). Such a refusal
    pauses the endpoint like a 401 does: it costs no attempt and kills no
    event. A 401, 403, 404, 405 or 410 is about the endpoint on its own
    (``ENDPOINT_STATUSES``).
    """
    return (
        first.outcome == second.outcome == "refused"
        and first.status_code == second.status_code
        and first.error_class == second.error_class
    )


def backoff_seconds(attempt, base=10.0, cap=3600.0, rng=random):
    """Delay before try number ``attempt + 1`` after ``attempt`` failed tries."""
    delay = min(cap, base * (2 ** max(attempt - 1, 0)))
    return delay / 2 + rng.uniform(0, delay / 2)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
