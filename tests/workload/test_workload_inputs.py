"""Mistakes a caller can make are refused with a message that says what and how to fix it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from routingkit.genesys import GenesysClient, NotFoundError
from routingkit.workload import fetch_history, handle_time_distribution

DAY = dt.date(2026, 10, 5)
NEXT = dt.date(2026, 10, 6)
CHICAGO = ZoneInfo("America/Chicago")


def test_an_unknown_queue_name_is_named_with_suggestions(client: GenesysClient) -> None:
    with pytest.raises(NotFoundError, match=r"'Suport - Voice'.*did you mean 'Support - Voice'"):
        fetch_history(client, ["Sales - Voice", "Suport - Voice"], DAY, NEXT)


def test_an_unknown_queue_id_is_named(client: GenesysClient) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(NotFoundError, match=missing):
        fetch_history(client, missing, DAY, NEXT)


def test_an_empty_queue_list_is_refused(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match="queues is empty"):
        fetch_history(client, [], DAY, NEXT)


@pytest.mark.parametrize("end", [DAY, DAY - dt.timedelta(days=1)])
def test_an_end_not_after_the_start_is_refused(client: GenesysClient, end: dt.date) -> None:
    with pytest.raises(ValueError, match="is not after start"):
        fetch_history(client, "Sales - Voice", DAY, end)


def test_an_unsupported_granularity_lists_the_supported_ones(client: GenesysClient) -> None:
    with pytest.raises(
        ValueError, match="'PT5M' is not supported; use one of PT15M, PT30M, PT1H, P1D"
    ):
        fetch_history(client, "Sales - Voice", DAY, NEXT, "PT5M")


def test_a_naive_datetime_is_refused_with_the_fix(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match=r"start=2026-10-05T00:00:00 has no time zone.*tzinfo="):
        fetch_history(client, "Sales - Voice", dt.datetime(2026, 10, 5), NEXT)


def test_an_instant_off_the_granularity_grid_is_refused(client: GenesysClient) -> None:
    quarter_past = dt.datetime(2026, 10, 5, 10, 15, tzinfo=CHICAGO)
    with pytest.raises(ValueError, match="not on the PT30M grid"):
        fetch_history(client, "Sales - Voice", quarter_past, NEXT, time_zone="America/Chicago")
    utc_midnight = dt.datetime(2026, 10, 5, tzinfo=dt.timezone.utc)  # 19:00 in Chicago
    with pytest.raises(ValueError, match=r"not on the P1D grid \(local midnight"):
        fetch_history(
            client, "Sales - Voice", utc_midnight, NEXT, "P1D", time_zone="America/Chicago"
        )


def test_an_unknown_time_zone_is_refused(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match="'Mars/Olympus' is not an IANA time zone"):
        fetch_history(client, "Sales - Voice", DAY, NEXT, time_zone="Mars/Olympus")


def test_an_unknown_media_type_is_refused(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match="media type 'fax' is not one of voice, chat"):
        fetch_history(client, "Sales - Voice", DAY, NEXT, media_types=["voice", "fax"])


def test_max_workers_must_be_positive(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match="max_workers is 0"):
        fetch_history(client, "Sales - Voice", DAY, NEXT, max_workers=0)


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        ((60,), "at least two edges"),
        ((0, 60, 60), "must increase; edge 2"),
        ((-1, 60), "must be >= 0"),
    ],
)
def test_bad_histogram_bins_are_refused(
    client: GenesysClient, bins: tuple[float, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        handle_time_distribution(client, "Sales - Voice", DAY, NEXT, bins_seconds=bins)


def test_a_histogram_of_an_unsupported_metric_is_refused(client: GenesysClient) -> None:
    with pytest.raises(ValueError, match="'tTalk' is not supported; use one of tHandle, tWait"):
        handle_time_distribution(client, "Sales - Voice", DAY, NEXT, metric="tTalk")
