"""Time for the sandbox's analytics: epoch milliseconds, timestamps and bucket edges.

Sub-day buckets start at the interval start and step by the granularity; P1D buckets start at
local midnights in the query's time zone (so DST days are 23 or 25 hours), the first one at the
interval start. The granularities are the shared vocabulary's, in milliseconds here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from ..vocabulary.analytics import GRANULARITY_SECONDS
from .web import iso

Int64Array = npt.NDArray[np.int64]

STORED_INTERVAL_MS = 900_000  # the 15-minute resolution of the intervals table
# ISO-8601 duration -> bucket length in ms; None means calendar days in the query's time zone.
GRANULARITIES: dict[str, int | None] = {
    name: None if seconds is None else seconds * 1000
    for name, seconds in GRANULARITY_SECONDS.items()
}

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def epoch_ms(moment: dt.datetime) -> int:
    """Epoch milliseconds of an aware datetime (exact, no float rounding)."""
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def iso_ms(epoch: int) -> str:
    """Epoch milliseconds as the platform's timestamp (UTC, milliseconds, Z)."""
    return iso(_EPOCH + dt.timedelta(milliseconds=epoch))


def bucket_edges(start_ms: int, end_ms: int, granularity: str | None, zone: ZoneInfo) -> Int64Array:
    """Bucket boundaries in epoch ms: n buckets give n + 1 edges, first = start, last = end."""
    if granularity is None:
        return np.array([start_ms, end_ms], dtype=np.int64)
    step = GRANULARITIES[granularity]
    if step is not None:
        inner = np.arange(start_ms, end_ms, step, dtype=np.int64)
        return np.append(inner, np.int64(end_ms))
    # Calendar days: local midnights. A midnight skipped by DST resolves (PEP 495, fold=0)
    # to the transition instant, which is when that local day really starts.
    edges = [start_ms]
    day = (_EPOCH + dt.timedelta(milliseconds=start_ms)).astimezone(zone).date()
    while True:
        day += dt.timedelta(days=1)
        midnight = epoch_ms(dt.datetime.combine(day, dt.time(0), tzinfo=zone))
        if midnight >= end_ms:
            break
        if midnight > edges[-1]:
            edges.append(midnight)
    edges.append(end_ms)
    return np.array(edges, dtype=np.int64)
