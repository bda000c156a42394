"""Unknown is not zero: intervals before a queue's data begins never count as quiet."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from routingkit.genesys import GenesysClient
from routingkit.policy import StaffingOptions, required_staffing, resolve_goals
from routingkit.workload import arrival_rate, fetch_history, typical_week
from routingkit.workload.coverage import (
    HistoryCoverageWarning,
    InsufficientHistoryError,
    check_coverage,
    coverage,
    mark_coverage,
)

ZONE = "America/Chicago"


def hourly(days: int, first_data_day: int, offered: int = 10) -> pd.DataFrame:
    """``days`` of hourly rows from Monday 5 January 2026; traffic from ``first_data_day`` on."""
    starts = pd.date_range("2026-01-05", periods=days * 24, freq="h", tz=ZONE)
    day = np.arange(len(starts)) // 24
    volume = np.where(day >= first_data_day, offered, 0)
    return pd.DataFrame(
        {
            "interval_start": starts,
            "interval_seconds": 3600,
            "queue_id": "q1",
            "queue_name": "Support",
            "media_type": "voice",
            "offered": volume,
            "answered": volume,
            "abandoned": 0,
            "handled": volume,
            "handle_seconds_total": volume * 300.0,
            "wait_seconds_total": volume * 5.0,
            "aht_seconds": np.where(volume > 0, 300.0, np.nan),
            "service_level_goal": np.nan,
        }
    )


def test_intervals_before_the_first_day_with_data_are_not_covered() -> None:
    table = mark_coverage(hourly(days=28, first_data_day=14))
    day = np.arange(len(table)) // 24
    assert not table.loc[day < 14, "covered"].any()
    assert table.loc[day >= 14, "covered"].all()


def test_a_quiet_night_after_the_first_data_still_counts_as_covered() -> None:
    table = hourly(days=14, first_data_day=7)
    table.loc[table["interval_start"].dt.hour < 8, ["offered", "answered", "handled"]] = 0
    marked = mark_coverage(table)
    day = np.arange(len(marked)) // 24
    # from the local midnight of the first day with traffic, night hours included
    assert marked.loc[day >= 7, "covered"].all()


def test_rates_ignore_uncovered_days_instead_of_halving() -> None:
    table = mark_coverage(hourly(days=28, first_data_day=14, offered=36))
    rates = arrival_rate(table)
    assert rates["arrival_rate"].to_numpy() == pytest.approx(36 / 3600)
    assert set(rates["days"]) == {2}  # two covered weeks, not four


def test_the_typical_week_warns_and_uses_only_the_covered_days() -> None:
    table = hourly(days=28, first_data_day=14, offered=36)
    with pytest.warns(HistoryCoverageWarning, match=r"Support / voice from 2026-01-19 \(14 of 28"):
        week = typical_week(table)
    assert week["arrival_rate"].to_numpy() == pytest.approx(36 / 3600)


def test_a_full_history_gives_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", HistoryCoverageWarning)
        typical_week(hourly(days=14, first_data_day=0))


def test_too_little_history_is_refused_naming_the_queue_and_what_to_do() -> None:
    with pytest.raises(InsufficientHistoryError) as caught:
        typical_week(hourly(days=14, first_data_day=10))  # only Fri..Sun of week 2 covered
    message = str(caught.value)
    assert "Support / voice" in message
    assert "data from 2026-01-15 only (4 days)" in message
    assert "end_date" in message and "queues=" in message


def test_a_queue_without_any_traffic_is_refused() -> None:
    with pytest.raises(InsufficientHistoryError, match="no traffic at all"):
        check_coverage(hourly(days=14, first_data_day=99))


def test_coverage_reports_the_window_actually_used() -> None:
    found = coverage(hourly(days=21, first_data_day=7)).iloc[0]
    assert found["requested_days"] == 21 and found["covered_days"] == 14
    assert found["covered_start"] == pd.Timestamp("2026-01-12", tz=ZONE)
    assert found["days_per_weekday"] == [2] * 7 and found["missing_weekdays"] == ""


# -- against the sandbox org, which keeps 60 days -----------------------------------------


def peak_agents(client: GenesysClient, end: dt.date, days: int) -> dict[str, int]:
    history = fetch_history(
        client,
        ["Support - Voice", "Sales - Voice"],
        end - dt.timedelta(days=days),
        end,
        time_zone=ZONE,
        use_cache=False,
        progress=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HistoryCoverageWarning)
        week = typical_week(history)
    plan = required_staffing(week, resolve_goals(week), StaffingOptions())
    peaks = plan.groupby("queue_name")["erlang_a"].max()
    return {str(k): int(v) for k, v in peaks.items()}


def test_asking_for_more_history_than_the_org_has_does_not_shrink_the_staffing(
    client: GenesysClient, history_dates: tuple[dt.date, dt.date], truth: dict[str, Any]
) -> None:
    end = history_dates[1]
    recent = peak_agents(client, end, 28)
    everything = peak_agents(client, end, 60)
    beyond = peak_agents(client, end, 120)  # 60 of these days do not exist
    for queue, agents in recent.items():
        assert abs(beyond[queue] - everything[queue]) == 0, queue
        assert abs(beyond[queue] - agents) <= max(1, 0.1 * agents), (queue, agents, beyond)


def test_a_request_beyond_the_history_warns_with_the_covered_window(
    client: GenesysClient, history_dates: tuple[dt.date, dt.date]
) -> None:
    first, end = history_dates
    history = fetch_history(
        client, "Support - Voice", end - dt.timedelta(days=90), end, time_zone=ZONE,
        use_cache=False, progress=False,
    )  # fmt: skip
    with pytest.warns(HistoryCoverageWarning, match=f"from {first:%Y-%m-%d} \\(60 of 90 days\\)"):
        check_coverage(history)


def test_the_volume_heatmap_is_not_diluted_by_days_without_data() -> None:
    from routingkit.report.plots import volume_heatmap

    def peak(table: pd.DataFrame) -> float:
        figure = volume_heatmap(mark_coverage(table))
        return float(np.nanmax(figure.axes[0].images[0].get_array()))

    only_covered = hourly(days=14, first_data_day=0, offered=36)
    with_unknown_days = hourly(days=28, first_data_day=14, offered=36)
    assert peak(with_unknown_days) == peak(only_covered) == 36
