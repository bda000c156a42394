"""Client-side pacing from the platform's rate-limit headers.

Every response says how many requests the token may make per window
(``inin-ratelimit-allowed``), how many it has made (``-count``) and when the window resets
(``-reset``, seconds). Once more than half the budget is spent, requests are spaced so that the
rest lasts until the reset; a 429's Retry-After holds every thread back. Bulk jobs then run near
the allowed rate instead of bouncing off it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping


class Pacer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_slot = 0.0  # monotonic time the next request may start
        self._interval = 0.0
        self.waited_seconds = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot)
            self._next_slot = start + self._interval
            delay = start - now
            if delay > 0:
                self.waited_seconds += delay
        if delay > 0:
            time.sleep(delay)

    def observe(self, headers: Mapping[str, str]) -> None:
        try:
            allowed = int(headers["inin-ratelimit-allowed"])
            count = int(headers["inin-ratelimit-count"])
            reset = float(headers["inin-ratelimit-reset"])
        except (KeyError, ValueError):
            return
        remaining = allowed - count
        with self._lock:
            if allowed <= 0 or count < allowed // 2:
                self._interval = 0.0
            elif remaining <= 0:
                self._interval = 0.0
                self._next_slot = max(self._next_slot, time.monotonic() + reset)
            else:
                self._interval = reset / remaining

    def hold(self, seconds: float) -> None:
        """Nobody starts a request for ``seconds`` (after a 429 with Retry-After)."""
        with self._lock:
            self._next_slot = max(self._next_slot, time.monotonic() + seconds)
