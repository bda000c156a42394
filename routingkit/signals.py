"""SIGTERM and SIGHUP end a command the way Ctrl-C does: by unwinding, so that what it started
(kernels, a sandbox org, JupyterLab, a report's staging folder) is stopped and cleaned up."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """A signal asked the command to stop; ``status`` is the exit status that says which
    (128 + the signal's number).

    A ``KeyboardInterrupt`` (so a ``BaseException``, never caught by ``except Exception``):
    every clean-up that Ctrl-C runs runs for it too."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped` (in the main thread)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(128 + signum)

    saved = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@contextmanager
def signals_held() -> Iterator[None]:
    """Within the block, Ctrl-C, SIGTERM and SIGHUP wait (they are delivered after it): a
    clean-up is not cut short by a second signal."""
    held = {signal.SIGINT, *STOP_SIGNALS}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
