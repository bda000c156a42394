"""A hard time limit for a block of code, so that a call that never returns fails a test instead
of stalling the run. SIGALRM interrupts pure-Python loops (every search in routingkit.capacity is
one); main thread, POSIX only, as pytest runs here."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class _Overrun(Exception):
    pass


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the block; raise AssertionError if it has not finished after ``seconds``."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise _Overrun

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Overrun:
        raise AssertionError(f"no answer and no error within {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)
