"""Time for analytics queries: instants, granularities, day-aligned chunks and bucket edges.

Analytics buckets sub-day granularities from the query's interval start in steps of the
granularity, and ``P1D`` at local midnights of the query's ``timeZone`` (so DST days last 23 or
25 hours). The regular interval grid of a history table is built here by the same rule, so that
it lines up with what the API returns. Arithmetic on instants is done in UTC: adding a
timedelta to a zone-aware datetime would add wall-clock time, not elapsed time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from routingkit.vocabulary.analytics import GRANULARITY_SECONDS, interval_text

UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)

# ISO-8601 duration -> bucket length in seconds; None: calendar days in the query's time zone.
GRANULARITIES = GRANULARITY_SECONDS
# The finest resolution analytics intervals may start and end on.
QUARTER_HOUR_SECONDS = 900


def parse_time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError if it is not one."""
    try:
        if not isinstance(name, str) or not name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"time_zone {name!r} is not an IANA time zone name; use e.g. 'America/Chicago' or 'UTC'"
        ) from None


def check_granularity(granularity: str) -> str:
    if granularity not in GRANULARITIES:
        raise ValueError(
            f"granularity {granularity!r} is not supported; use one of " + ", ".join(GRANULARITIES)
        )
    return granularity


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The instant (UTC) the local ``day`` starts in ``zone``.

    A midnight skipped by DST resolves (PEP 495, fold=0) as analytics resolves it.
    """
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def instant(value: dt.date | dt.datetime, zone: ZoneInfo, what: str) -> dt.datetime:
    """``value`` as a UTC instant: a date means local midnight in ``zone``.

    A naive datetime is refused: whether it meant UTC or local time changes every interval.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{what}={value.isoformat()} has no time zone; give an aware datetime, e.g. "
                f"datetime(..., tzinfo=ZoneInfo({zone.key!r})), or a date (local midnight in "
                f"time_zone={zone.key!r})"
            )
        return value.astimezone(UTC)
    if isinstance(value, dt.date):
        return local_midnight(value, zone)
    raise TypeError(f"{what} must be a date or a timezone-aware datetime, not {value!r}")


def check_range(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise ValueError(
            f"end {end.isoformat()} is not after start {start.isoformat()}; the range is "
            "[start, end) and must not be empty"
        )


def check_aligned(moment: dt.datetime, granularity: str, zone: ZoneInfo, what: str) -> None:
    """Refuse instants off the granularity's grid in ``zone``.

    Chunks start at local midnights, so a start off the grid would give buckets that shift
    from one chunk to the next; an end off the grid would give a short last bucket.
    """
    local = moment.astimezone(zone)
    step = GRANULARITIES[granularity]
    if step is None:
        aligned = moment == local_midnight(local.date(), zone)
        rule = f"local midnight in {zone.key}"
    else:
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        aligned = local.microsecond == 0 and seconds % step == 0
        rule = f"a multiple of {step // 60} minutes after local midnight in {zone.key}"
    if not aligned or epoch_ms(moment) % (QUARTER_HOUR_SECONDS * 1000):
        raise ValueError(
            f"{what}={local.isoformat()} is not on the {granularity} grid ({rule}); round it, "
            "or pass a date"
        )


def epoch_ms(moment: dt.datetime) -> int:
    """Epoch milliseconds of an aware datetime (exact integer arithmetic)."""
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


@dataclass(frozen=True)
class Chunk:
    """One query's interval [start, end), both UTC instants."""

    start: dt.datetime
    end: dt.datetime

    @property
    def interval(self) -> str:
        """The ``interval`` field of an analytics query."""
        return interval_text(self.start, self.end)


def split_range(start: dt.datetime, end: dt.datetime, max_days: int, zone: ZoneInfo) -> list[Chunk]:
    """[start, end) cut at local midnights into chunks of at most ``max_days`` × 24 hours.

    Each chunk ends at the last local midnight that keeps it within the limit (a chunk that
    spans a DST change may hold one day fewer), so no calendar day is split between queries
    and P1D buckets stay whole.
    """
    if max_days < 1:
        raise ValueError(f"max_days is {max_days}; the org's interval limit must be >= 1 day")
    chunks: list[Chunk] = []
    low = start
    while low < end:
        limit = low + dt.timedelta(days=max_days)
        if limit >= end:
            high = end
        else:
            day = limit.astimezone(zone).date()
            high = local_midnight(day, zone)
            while high > limit:
                day -= dt.timedelta(days=1)
                high = local_midnight(day, zone)
            if high <= low:  # a start late in a day with max_days == 1: no midnight fits
                high = limit
        chunks.append(Chunk(low, high))
        low = high
    return chunks


def bucket_edges(chunk: Chunk, granularity: str, zone: ZoneInfo) -> npt.NDArray[np.int64]:
    """Epoch-millisecond bucket boundaries of one chunk: n buckets give n + 1 edges."""
    start_ms, end_ms = epoch_ms(chunk.start), epoch_ms(chunk.end)
    step = GRANULARITIES[granularity]
    if step is not None:
        inner = np.arange(start_ms, end_ms, step * 1000, dtype=np.int64)
        return np.append(inner, np.int64(end_ms))
    edges = [start_ms]
    day = chunk.start.astimezone(zone).date()
    while True:
        day += dt.timedelta(days=1)
        midnight = epoch_ms(local_midnight(day, zone))
        if midnight >= end_ms:
            break
        if midnight > edges[-1]:
            edges.append(midnight)
    edges.append(end_ms)
    return np.array(edges, dtype=np.int64)
