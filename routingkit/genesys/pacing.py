"""Client-side pacing from the platform's rate-limit headers.

Every response says how many requests the token may make per window
(``inin-ratelimit-allowed``), how many it has made (``-count``) and when the window resets
(``-reset``, seconds). Once more than half the budget is spent, requests are spaced so that the
rest lasts until the reset; a 429's Retry-After holds every thread back. Bulk jobs then run near
the allowed rate instead of bouncing off it.

No pacing wait exceeds ``max_wait`` (the client passes its ``max_retry_after``, 180 s by
default, the cap it applies to Retry-After). A reset beyond it (100,000 s has been seen) is not a
per-minute window: the platform does not document such values, so the safe reading is that the
header alone does not justify holding every thread of the client (the pacer is client-wide, the
limit may be one endpoint's). Spacing then spreads the remaining budget over ``max_wait``, and a
spent budget holds nobody: the next request goes out, and the org's own 429 decides (a
Retry-After beyond the cap fails at once with ``RateLimitedError``, see ``client``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

log = logging.getLogger("routingkit.genesys")


class PacingTooLong(Exception):
    """The next free slot is further away than the caller may wait (``delay`` seconds)."""

    def __init__(self, delay: float) -> None:
        super().__init__(f"the next request slot is {delay:.1f} s away")
        self.delay = delay


class Pacer:
    """Spaces the requests of one client (all threads) by the org's rate-limit headers."""

    def __init__(self, max_wait: float = 180.0) -> None:
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._next_slot = 0.0  # monotonic time the next request may start
        self._interval = 0.0
        self.waited_seconds = 0.0

    def reserve(self, *, limit: float | None = None) -> float:
        """Take the next start slot; return how many seconds to sleep before using it.

        When that is more than ``limit`` seconds, nothing is reserved and ``PacingTooLong``
        is raised (the caller's deadline would pass while waiting).
        """
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot)
            delay = start - now
            if limit is not None and delay > limit:
                raise PacingTooLong(delay)
            self._next_slot = start + self._interval
            if delay > 0:
                self.waited_seconds += delay
        return delay

    def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)

    def observe(self, headers: Mapping[str, str]) -> None:
        try:
            allowed = int(headers["inin-ratelimit-allowed"])
            count = int(headers["inin-ratelimit-count"])
            reset = float(headers["inin-ratelimit-reset"])
        except (KeyError, ValueError):
            return
        if not reset >= 0.0:  # negative or NaN: nothing to pace by
            return
        remaining = allowed - count
        beyond_cap = reset > self.max_wait
        window = min(reset, self.max_wait)
        with self._lock:
            if allowed <= 0 or count < allowed // 2:
                self._interval = 0.0
            elif remaining <= 0:
                self._interval = 0.0
                if not beyond_cap:
                    self._next_slot = max(self._next_slot, time.monotonic() + reset)
            else:
                self._interval = window / remaining
        if beyond_cap and remaining <= 0 < allowed:
            log.warning(
                "the org's rate-limit budget (%d requests) is spent and resets in %.0f s, "
                "more than the %.0f s this client paces for; not holding requests for it "
                "(the org's 429 Retry-After decides)",
                allowed,
                reset,
                self.max_wait,
            )

    def hold(self, seconds: float) -> None:
        """Nobody starts a request for ``seconds`` (after a 429 with Retry-After)."""
        seconds = min(seconds, self.max_wait)
        with self._lock:
            self._next_slot = max(self._next_slot, time.monotonic() + seconds)
