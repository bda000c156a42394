"""The Parquet cache: hits without requests, identical frames, only settled chunks stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from routingkit.genesys import GenesysClient
from routingkit.genesys.models import Queue
from routingkit.workload import fetch_history
from routingkit.workload.cache import settled


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


def test_a_chunk_is_settled_once_it_ended_before_today_and_two_hours_ago() -> None:
    zone = ZoneInfo("America/Chicago")
    midnight = dt.datetime(2026, 11, 16, tzinfo=zone)
    assert not settled(midnight, zone, now=midnight + dt.timedelta(hours=1))
    assert settled(midnight, zone, now=midnight + dt.timedelta(hours=2))
    assert not settled(midnight + dt.timedelta(hours=1), zone, now=midnight + dt.timedelta(hours=5))
    assert settled(midnight - dt.timedelta(days=1), zone, now=midnight + dt.timedelta(minutes=1))
