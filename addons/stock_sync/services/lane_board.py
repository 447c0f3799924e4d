"""The shares of partition keys that a dispatch run's lanes serve, rebalanced as they run dry.

A key belongs to one of ``modulus`` buckets (``hash % modulus``); a lane
serves the keys of its buckets. A run starts its lanes on equal shares, but
keys do not hash evenly (200 keys gave 106 and 94) and a backlog is not
spread evenly over its keys: the lane with less work ran dry first and
ended, and one lane sent the rest of the backlog alone. Here a lane that runs
dry waits for more: the next busy lane to finish a step hands it half of its
buckets, and the dry lane serves them besides its own (events of its own
keys may still come). A lane hands buckets over only between steps, when
its transactions have committed, so a key's deliveries are never in two
lanes' hands at once and its order holds (the claim's blocker check would
hold it anyway). The run ends when every lane is dry.
"""

import threading
import time

# A lane's buckets can be halved this many times: modulus = lanes * 2 ** SPLITS.
SPLITS = 6


class LaneBoard:
    """The buckets of ``lanes`` lanes (threads) of one run; every method is thread-safe."""

    def __init__(self, lanes):
        self.modulus = lanes * 2**SPLITS
        self._cond = threading.Condition()
        # Lane i starts on the keys with hash % lanes == i, as a run without a board.
        self._buckets = {lane: tuple(range(lane, self.modulus, lanes)) for lane in range(lanes)}
        self._busy = set(self._buckets)
        self._waiting = []  # dry lanes, in the order they asked for more

    def share(self, lane):
        """``(buckets, modulus)``: the keys lane ``lane`` serves now are those with
        ``hash % modulus`` in ``buckets`` (a tuple)."""
        with self._cond:
            return self._buckets[lane], self.modulus

    def after_step(self, lane, progress):
        """Lane ``lane`` committed a step that sent ``progress`` events: if that is
        work and a lane waits, hand it half of this lane's buckets."""
        with self._cond:
            mine = self._buckets[lane]
            if not (progress and self._waiting) or len(mine) < 2:
                return
            taker = self._waiting.pop(0)
            self._buckets[lane] = mine[0::2]
            self._buckets[taker] = tuple(sorted(self._buckets[taker] + mine[1::2]))
            self._busy.add(taker)
            self._cond.notify_all()

    def leave(self, lane):
        """Lane ``lane`` has ended (its deadline, or an error): it is busy no more, so
        the dry lanes waiting for it do not wait until their deadline."""
        with self._cond:
            self._busy.discard(lane)
            self._cond.notify_all()

    def ran_dry(self, lane, deadline):
        """Lane ``lane`` found nothing to send: wait until a busy lane hands it more
        buckets (True), or every lane is dry, or ``deadline`` (``time.monotonic``)
        has passed (False: the lane ends)."""
        with self._cond:
            self._busy.discard(lane)
            self._waiting.append(lane)
            self._cond.notify_all()  # the other dry lanes must see that none is busy
            while lane not in self._busy:
                remaining = deadline - time.monotonic()
                if not self._busy or remaining <= 0:
                    self._waiting.remove(lane)
                    return False
                self._cond.wait(min(remaining, 1.0))
            return True
