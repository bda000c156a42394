"""Chunking and bucketing of ranges, with no server: day-aligned, within limits, DST-aware."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routingkit.workload.intervals import (
    UTC,
    Chunk,
    bucket_edges,
    epoch_ms,
    instant,
    local_midnight,
    split_range,
)

CHICAGO = ZoneInfo("America/Chicago")


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(CHICAGO)


def test_chunks_end_at_local_midnights_within_the_limit_across_dst() -> None:
    start = instant(dt.date(2026, 10, 10), CHICAGO, "start")
    end = instant(dt.date(2027, 1, 20), CHICAGO, "end")
    chunks = split_range(start, end, 31, CHICAGO)
    assert chunks[0].start == start and chunks[-1].end == end
    for before, after in itertools.pairwise(chunks):
        assert before.end == after.start
    for chunk in chunks:
        assert chunk.end - chunk.start <= dt.timedelta(days=31)
        assert local(chunk.start).time() == dt.time(0) == local(chunk.end).time()
    # 10 Oct + 31 days crosses the end of DST (1 Nov): 31 local days would be 31 days and an
    # hour, so the first chunk holds 30.
    assert local(chunks[0].end).date() == dt.date(2026, 11, 9)
    assert local(chunks[1].end).date() == dt.date(2026, 12, 10)


def test_a_range_within_the_limit_is_one_chunk() -> None:
    start = dt.datetime(2026, 10, 5, 9, 30, tzinfo=UTC)
    end = start + dt.timedelta(days=3)
    assert split_range(start, end, 31, CHICAGO) == [Chunk(start, end)]


def test_a_late_start_with_one_day_limit_still_progresses() -> None:
    start = dt.datetime(2026, 10, 5, 18, tzinfo=CHICAGO).astimezone(UTC)
    chunks = split_range(start, start + dt.timedelta(days=2), 1, CHICAGO)
    assert local(chunks[0].end) == dt.datetime(2026, 10, 6, tzinfo=CHICAGO)
    assert all(c.end - c.start <= dt.timedelta(days=1) for c in chunks)


def test_daily_buckets_are_local_days_and_dst_days_are_25_hours() -> None:
    chunk = Chunk(
        local_midnight(dt.date(2026, 10, 31), CHICAGO),
        local_midnight(dt.date(2026, 11, 3), CHICAGO),
    )
    edges = bucket_edges(chunk, "P1D", CHICAGO)
    assert np.diff(edges).tolist() == [24 * 3_600_000, 25 * 3_600_000, 24 * 3_600_000]


def test_sub_day_buckets_step_from_the_chunk_start() -> None:
    chunk = Chunk(dt.datetime(2026, 10, 5, tzinfo=UTC), dt.datetime(2026, 10, 5, 2, tzinfo=UTC))
    edges = bucket_edges(chunk, "PT30M", CHICAGO)
    assert edges.tolist() == [epoch_ms(chunk.start) + k * 1_800_000 for k in range(5)]


def test_chunk_intervals_are_written_as_the_platform_writes_them() -> None:
    chunk = Chunk(dt.datetime(2026, 10, 5, 5, tzinfo=UTC), dt.datetime(2026, 10, 6, 5, tzinfo=UTC))
    assert chunk.interval == "2026-10-05T05:00:00.000Z/2026-10-06T05:00:00.000Z"


def test_a_date_means_local_midnight_and_aware_datetimes_keep_their_instant() -> None:
    assert instant(dt.date(2026, 7, 1), CHICAGO, "start") == dt.datetime(2026, 7, 1, 5, tzinfo=UTC)
    tokyo = dt.datetime(2026, 7, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert instant(tokyo, CHICAGO, "start") == dt.datetime(2026, 7, 1, 0, tzinfo=UTC)
    with pytest.raises(TypeError, match="must be a date or a timezone-aware datetime"):
        instant("2026-07-01", CHICAGO, "start")  # type: ignore[arg-type]
