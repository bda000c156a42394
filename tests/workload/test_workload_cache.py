"""The Parquet cache: hits without requests, identical frames, only settled chunks stored,
and a file whose content is not what was stored for its request is never trusted."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from routingkit.genesys import GenesysClient
from routingkit.genesys.models import Queue
from routingkit.workload import fetch_history
from routingkit.workload.cache import ChunkCache, settled

DAY_MS = 86_400_000


@pytest.fixture()
def some_queues(client: GenesysClient) -> list[Queue]:
    """Queue models, so that a fetch needs no lookup requests of its own."""
    return [q for q in client.queues.list() if q.name in ("Support - Voice", "Support - Chat")]


def forty_days(history_dates: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    first = history_dates[0]
    return first, first + dt.timedelta(days=40)  # two chunks: 31 and 9 days


def parquet_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.parquet")) if directory.exists() else []


def test_a_repeated_fetch_is_served_from_the_cache_without_requests(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    private_cache: Path,
) -> None:
    window = forty_days(history_dates)
    first = fetch_history(client, some_queues, *window, time_zone=truth["time_zone"])
    assert len(parquet_files(private_cache)) == 2  # the default directory, one file per chunk
    sent = client.requests_sent
    again = fetch_history(client, some_queues, *window, time_zone=truth["time_zone"])
    assert client.requests_sent == sent
    pd.testing.assert_frame_equal(again, first)
    fresh = fetch_history(
        client, some_queues, *window, time_zone=truth["time_zone"], use_cache=False
    )
    pd.testing.assert_frame_equal(fresh, first)


def test_use_cache_false_neither_reads_nor_writes(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
) -> None:
    window = forty_days(history_dates)
    fetch_history(client, some_queues, *window, time_zone=truth["time_zone"], cache_dir=tmp_path)
    sent = client.requests_sent
    fetch_history(
        client,
        some_queues,
        *window,
        time_zone=truth["time_zone"],
        cache_dir=tmp_path / "other",
        use_cache=False,
        max_workers=1,  # one request at a time: requests_sent is a plain, unlocked counter
    )
    assert client.requests_sent == sent + 2
    assert not (tmp_path / "other").exists()


def test_the_cache_key_holds_the_query(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
) -> None:
    window = forty_days(history_dates)
    zone = truth["time_zone"]
    fetch_history(client, some_queues, *window, time_zone=zone, cache_dir=tmp_path)
    fetch_history(client, some_queues, *window, "PT1H", time_zone=zone, cache_dir=tmp_path)
    fetch_history(client, some_queues[:1], *window, time_zone=zone, cache_dir=tmp_path)
    fetch_history(
        client, some_queues, *window, media_types="chat", time_zone=zone, cache_dir=tmp_path
    )
    assert len(parquet_files(tmp_path)) == 8


def test_a_corrupt_cache_file_is_ignored_and_replaced(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
) -> None:
    window = forty_days(history_dates)
    zone = truth["time_zone"]
    first = fetch_history(client, some_queues, *window, time_zone=zone, cache_dir=tmp_path)
    broken, _ = parquet_files(tmp_path)
    broken.write_bytes(b"PAR1 this is not a parquet file")
    sent = client.requests_sent
    again = fetch_history(client, some_queues, *window, time_zone=zone, cache_dir=tmp_path)
    assert client.requests_sent == sent + 1  # only the broken chunk was fetched again
    pd.testing.assert_frame_equal(again, first)
    assert pd.read_parquet(broken).shape[0] > 0
    assert not list(tmp_path.glob("*.tmp"))  # writes leave no temporary files behind


def test_chunks_reaching_today_are_not_cached_and_intervals_not_begun_are_left_out(
    client: GenesysClient, some_queues: list[Queue], tmp_path: Path
) -> None:
    zone = "America/Chicago"
    today = dt.datetime.now(ZoneInfo(zone)).date()
    window = (today - dt.timedelta(days=40), today + dt.timedelta(days=1))
    found = fetch_history(client, some_queues, *window, time_zone=zone, cache_dir=tmp_path)
    assert len(parquet_files(tmp_path)) == 1  # the 31 days that ended 9 days ago
    assert found["interval_start"].max() <= pd.Timestamp.now(tz=zone)
    sent = client.requests_sent
    fetch_history(client, some_queues, *window, time_zone=zone, cache_dir=tmp_path)
    assert client.requests_sent == sent + 1  # the chunk reaching today, again


def rewrite_rows(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Edit a cache file's rows as a stray script would: same schema, same key-value metadata."""
    table = pq.read_table(path)
    edited = pa.Table.from_pandas(
        change(table.to_pandas()), schema=table.schema, preserve_index=False
    )
    pq.write_table(edited.replace_schema_metadata(table.schema.metadata), path)


def restore_through_the_cache(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Store changed rows with the cache's own writer, so that only their fit can give them away."""
    ChunkCache(path.parent).save(path.stem, change(pd.read_parquet(path)))


def warnings_about(path: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and str(path) in r.getMessage()
    ]


def assert_ignored_and_replaced(
    client: GenesysClient,
    fetch: Callable[[], pd.DataFrame],
    first: pd.DataFrame,
    path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The file is fetched again (and only it), rewritten, and blamed by name; never the API."""
    sent = client.requests_sent
    with caplog.at_level(logging.WARNING, logger="routingkit.workload"):
        again = fetch()
    assert client.requests_sent == sent + 1
    pd.testing.assert_frame_equal(again, first)
    blamed = warnings_about(path, caplog)
    assert len(blamed) == 1
    assert "api" not in blamed[0].replace(str(path), "").lower()
    sent = client.requests_sent
    pd.testing.assert_frame_equal(fetch(), first)
    assert client.requests_sent == sent  # the rewritten file is trusted again


def doubled_offered(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(nOffered=rows["nOffered"] * 2)


def no_rows(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.iloc[:0]


def shifted_a_day(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(start_ms=rows["start_ms"] + DAY_MS)


@pytest.mark.parametrize("change", [doubled_offered, no_rows, shifted_a_day])
def test_a_cache_file_whose_rows_were_edited_is_ignored_and_replaced(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    change: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    def fetch() -> pd.DataFrame:
        window = forty_days(history_dates)
        return fetch_history(
            client, some_queues, *window, time_zone=truth["time_zone"], cache_dir=tmp_path
        )

    first = fetch()
    edited, _ = parquet_files(tmp_path)
    rewrite_rows(edited, change)
    assert_ignored_and_replaced(client, fetch, first, edited, caplog)


def test_a_cache_file_holding_another_requests_answer_is_ignored_and_replaced(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fetch() -> pd.DataFrame:
        window = forty_days(history_dates)
        return fetch_history(
            client, some_queues, *window, time_zone=truth["time_zone"], cache_dir=tmp_path
        )

    first = fetch()
    one, other = parquet_files(tmp_path)
    shutil.copyfile(one, other)  # a sound file, stored under the wrong request's name
    assert_ignored_and_replaced(client, fetch, first, other, caplog)


def off_the_grid(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(start_ms=rows["start_ms"] + 15 * 60_000)  # PT30M buckets


def one_row_outside_the_chunk(rows: pd.DataFrame) -> pd.DataFrame:
    late = rows.iloc[:1].assign(start_ms=rows["start_ms"].max() + 41 * DAY_MS)  # on the grid
    return pd.concat([rows, late], ignore_index=True)


def one_row_for_a_queue_not_asked_for(rows: pd.DataFrame) -> pd.DataFrame:
    stranger = rows.iloc[:1].assign(queue_id="00000000-0000-0000-0000-000000000000")
    return pd.concat([rows, stranger], ignore_index=True)


@pytest.mark.parametrize(
    "change", [off_the_grid, one_row_outside_the_chunk, one_row_for_a_queue_not_asked_for]
)
def test_cached_rows_that_do_not_fit_the_request_invalidate_the_file(
    client: GenesysClient,
    some_queues: list[Queue],
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    change: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    def fetch() -> pd.DataFrame:
        window = forty_days(history_dates)
        return fetch_history(
            client, some_queues, *window, time_zone=truth["time_zone"], cache_dir=tmp_path
        )

    first = fetch()
    misfit, _ = parquet_files(tmp_path)
    restore_through_the_cache(misfit, change)
    assert_ignored_and_replaced(client, fetch, first, misfit, caplog)


def test_a_chunk_is_settled_once_a_day_has_passed_since_its_end_by_default() -> None:
    zone = ZoneInfo("America/Chicago")
    end = dt.datetime(2026, 11, 16, tzinfo=zone)
    assert not settled(end, zone, now=end + dt.timedelta(hours=2))  # the old two-hour rule
    assert not settled(end, zone, now=end + dt.timedelta(hours=24) - dt.timedelta(microseconds=1))
    assert settled(end, zone, now=end + dt.timedelta(hours=24))


def test_the_analytics_lag_is_a_setting() -> None:
    zone = ZoneInfo("America/Chicago")
    end = dt.datetime(2026, 11, 16, tzinfo=zone)
    lag = dt.timedelta(hours=6)
    assert not settled(end, zone, now=end + lag - dt.timedelta(microseconds=1), lag=lag)
    assert settled(end, zone, now=end + lag, lag=lag)


def test_a_chunk_reaching_into_today_is_never_settled() -> None:
    zone = ZoneInfo("America/Chicago")
    end = dt.datetime(2026, 11, 16, 6, tzinfo=zone)
    assert not settled(end, zone, now=end + dt.timedelta(hours=1), lag=dt.timedelta(0))
    assert settled(end, zone, now=end + dt.timedelta(hours=18), lag=dt.timedelta(0))


def history_end_plus(
    history_dates: tuple[dt.date, dt.date], zone: ZoneInfo, elapsed: dt.timedelta
) -> dt.datetime:
    end = dt.datetime.combine(history_dates[1], dt.time(0), tzinfo=zone)
    return (end.astimezone(dt.timezone.utc) + elapsed).astimezone(dt.timezone.utc)


def last_week(history_dates: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    return history_dates[1] - dt.timedelta(days=7), history_dates[1]  # one chunk


def test_a_chunk_that_ended_within_the_analytics_lag_is_not_cached(
    client: GenesysClient,
    some_queues: list[Queue],
    zone: ZoneInfo,
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = last_week(history_dates)
    now = history_end_plus(history_dates, zone, dt.timedelta(hours=3))
    monkeypatch.setattr("routingkit.workload.history.utc_now", lambda: now)
    fetch_history(client, some_queues, *window, time_zone=zone.key, cache_dir=tmp_path)
    assert parquet_files(tmp_path) == []
    now = history_end_plus(history_dates, zone, dt.timedelta(hours=24))
    fetch_history(client, some_queues, *window, time_zone=zone.key, cache_dir=tmp_path)
    assert len(parquet_files(tmp_path)) == 1


def test_cache_lag_lets_a_caller_who_knows_the_orgs_lag_cache_sooner(
    client: GenesysClient,
    some_queues: list[Queue],
    zone: ZoneInfo,
    history_dates: tuple[dt.date, dt.date],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = history_end_plus(history_dates, zone, dt.timedelta(hours=3))
    monkeypatch.setattr("routingkit.workload.history.utc_now", lambda: now)
    fetch_history(
        client,
        some_queues,
        *last_week(history_dates),
        time_zone=zone.key,
        cache_dir=tmp_path,
        cache_lag=dt.timedelta(hours=3),
    )
    assert len(parquet_files(tmp_path)) == 1


@pytest.mark.parametrize("lag", [dt.timedelta(hours=-1), 24])
def test_a_cache_lag_that_is_not_a_non_negative_timedelta_is_refused(
    client: GenesysClient,
    some_queues: list[Queue],
    history_dates: tuple[dt.date, dt.date],
    lag: Any,
) -> None:
    with pytest.raises(ValueError, match="cache_lag"):
        fetch_history(client, some_queues, *last_week(history_dates), cache_lag=lag)
