"""Compile the simulation loops with numba, caching the machine code on disk.

Why numba: the loops are event-by-event and branchy (heaps, per-agent state), so numpy cannot
vectorise them; numba compiles them from the same Python source the tests read, is a declared
dependency, and is the usual choice for compiled Monte Carlo in the scientific Python stack
(no C toolchain needed at install time, unlike Cython or a C extension).

``cache=True`` writes the compiled code next to the module (or, where that directory is read-only,
to numba's per-user cache directory or ``NUMBA_CACHE_DIR``), so only the first process pays the
compile time. When no cache location is writable the functions are compiled per process; when
numba itself is missing they run as plain Python: correct, but about a hundred times slower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

try:
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None  # type: ignore[assignment]
    HAVE_NUMBA = False


def jit(fn: F) -> F:
    """``numba.njit(cache=True, nogil=True)``, degrading to no cache, then to plain Python."""
    if not HAVE_NUMBA:  # pragma: no cover
        return fn
    try:
        compiled = numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache location ("no locator available")
        compiled = numba.njit(nogil=True)(fn)
    return cast(F, compiled)


def jit_inline(fn: F) -> F:
    """A helper compiled into its callers (numba ``inline="always"``).

    Calls between compiled functions pass every array argument by value and adjust its
    reference count; inlining the helpers of the event loop removes that cost (which, with
    forty arrays, was most of the time per event). Only the caller needs caching.
    """
    if not HAVE_NUMBA:  # pragma: no cover
        return fn
    return cast(F, numba.njit(inline="always", nogil=True)(fn))
