"""Argument checking and broadcasting shared by the capacity functions.

Every public function accepts scalars or array-likes, broadcasts them like a numpy ufunc and
returns a Python scalar when every input was a scalar. Bad values raise ``ValueError`` naming the
argument and, for arrays, the first offending index, so a user with a million-row table can find
the row.

The supported range is part of each function's contract, not an accident of the arithmetic:

* ``MAX_AGENTS`` = 2**53 agents. Below it every whole number is a float64 (so n + 1 != n and an
  integer search always moves) and an int64; above it agent counts stop being exact.
* ``MAX_TRAFFIC`` = 1e7 Erlangs. Staffing a load A takes about A + 10 sqrt(A) agents, far inside
  MAX_AGENTS, and the loops whose length grows like sqrt(A) (the overload series of Erlang B,
  about 9 sqrt(A) terms) stay under 30,000 terms, milliseconds. Erlang B and C agree with
  50-digit mpmath to 1e-12 at this load (tests/capacity/test_supported_range.py).
* ``MAX_PATIENCE_LOAD`` = 1e8 callers: arrival rate x mean patience, the number of callers that
  arrive during one mean patience. The Erlang A tail sums take about 10 sqrt of it terms near
  critical load (1e5 terms at the bound: an Erlang A staffing search there takes about a
  second). Patience that long is no abandonment at all; ``model="erlang_c"`` is the model.
* ``MAX_PATIENCE_RATIO`` = 1e9: Erlang A takes patience / aht from 1e-9 to 1e9. Beyond, the
  queue is Erlang B (callers leave at once) or Erlang C (they never leave) to within rounding,
  and a = agents x patience / aht leaves the range where scipy's incomplete gamma is reliable
  (it returns 0 for subnormal a).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_AGENTS = 2**53
MAX_TRAFFIC = 1e7
MAX_PATIENCE_LOAD = 1e8
MAX_PATIENCE_RATIO = 1e9


def is_scalar_call(*values: Any) -> bool:
    """True when every argument is a scalar (so the result should be one too)."""
    return all(np.ndim(v) == 0 for v in values)


def index_text(arr: np.ndarray, bad: np.ndarray) -> str:
    """``"[i]"`` (or ``"[(i, j)]"``) for the first True of ``bad``; ``""`` for a scalar."""
    if arr.ndim == 0:
        return ""
    index = np.unravel_index(int(np.argmax(bad)), arr.shape)
    where = index[0] if len(index) == 1 else tuple(int(i) for i in index)
    return f"[{where}]"


def first_bad(arr: np.ndarray, bad: np.ndarray) -> Any:
    """The first offending value, as a Python scalar."""
    return arr.item() if arr.ndim == 0 else arr.flat[int(np.argmax(bad))].item()


def _where(name: str, arr: np.ndarray, bad: np.ndarray) -> str:
    return f"{name}{index_text(arr, bad)} is {first_bad(arr, bad)!r}"


def as_float(name: str, value: Any) -> FloatArray:
    """Convert to a float64 array; reject what is not a real number."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    return arr


def check_nonnegative(name: str, arr: FloatArray, what: str) -> None:
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise ValueError(f"{_where(name, arr, bad)}; {name} must be a finite number >= 0 ({what})")


def check_positive(name: str, arr: FloatArray, what: str) -> None:
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(f"{_where(name, arr, bad)}; {name} must be a finite number > 0 ({what})")


def check_at_most(name: str, arr: FloatArray, limit: float, limit_text: str) -> None:
    """Reject values above ``limit`` (spelled ``limit_text``), and nan."""
    bad = ~(arr <= limit)
    if bad.any():
        raise ValueError(
            f"{_where(name, arr, bad)}; {name} must be at most {limit_text}, the supported range"
        )


def check_open_unit(name: str, arr: FloatArray, what: str) -> None:
    bad = ~np.isfinite(arr) | (arr <= 0) | (arr >= 1)
    if bad.any():
        raise ValueError(
            f"{_where(name, arr, bad)}; {name} must lie strictly between 0 and 1 ({what})"
        )


def as_agents(value: Any, name: str = "agents") -> FloatArray:
    """Agents as float64 holding whole numbers >= 0 (float so that huge counts broadcast)."""
    arr = as_float(name, value)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        raise ValueError(
            f"{_where(name, arr, bad)}; {name} must be a whole number >= 0 "
            "(round your staffing to integers first, e.g. with numpy.ceil)"
        )
    check_at_most(name, arr, MAX_AGENTS, "2**53 (above it float64 cannot count one by one)")
    return arr


def as_traffic(value: Any, name: str = "traffic") -> FloatArray:
    arr = as_float(name, value)
    check_nonnegative(name, arr, "offered load in Erlangs = arrival rate per second x AHT seconds")
    check_at_most(name, arr, MAX_TRAFFIC, "1e7 Erlangs")
    return arr


def as_seconds(value: Any, name: str, *, allow_zero: bool) -> FloatArray:
    arr = as_float(name, value)
    if allow_zero:
        check_nonnegative(name, arr, "a duration in seconds")
    else:
        check_positive(name, arr, "a duration in seconds")
    return arr


def broadcast(*arrays: FloatArray) -> list[FloatArray]:
    """Broadcast arrays together, with an error that says which shapes disagree."""
    try:
        return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]
    except ValueError:
        shapes = ", ".join(str(np.shape(a)) for a in arrays)
        raise ValueError(f"input shapes {shapes} do not broadcast together") from None


def to_output(result: FloatArray, scalar: bool) -> Any:
    """A Python float for scalar calls, else the array."""
    if scalar:
        return float(result)
    return result


def to_int_output(result: FloatArray, scalar: bool) -> Any:
    """Whole-number results (at most MAX_AGENTS, so exact) as int64, or a Python int."""
    out = result.astype(np.int64)
    if scalar:
        return int(out)
    return out
