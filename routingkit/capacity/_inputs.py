"""Argument checking and broadcasting shared by the capacity functions.

Every public function accepts scalars or array-likes, broadcasts them like a numpy ufunc and
returns a Python scalar when every input was a scalar. Bad values raise ``ValueError`` naming the
argument and, for arrays, the first offending index, so a user with a million-row table can find
the row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def is_scalar_call(*values: Any) -> bool:
    """True when every argument is a scalar (so the result should be one too)."""
    return all(np.ndim(v) == 0 for v in values)


def _where(name: str, arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{name} is {arr.item()!r}"
    index = np.unravel_index(int(np.argmax(bad)), arr.shape)
    where = index[0] if len(index) == 1 else tuple(int(i) for i in index)
    return f"{name}[{where}] is {arr[index].item()!r}"


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
    return arr


def as_traffic(value: Any, name: str = "traffic") -> FloatArray:
    arr = as_float(name, value)
    check_nonnegative(name, arr, "offered load in Erlangs = arrival rate per second x AHT seconds")
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
    out = result.astype(np.int64)
    if scalar:
        return int(out)
    return out
