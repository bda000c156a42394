"""Per-queue figures of a history: checked against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from routingkit.workload import summary as ws
from routingkit.workload.bins import equal_width_edges

ZONE = "America/Chicago"


def interval(
    start: str, queue: str = "Sales - Voice", media: str = "voice", **counts: float
) -> dict:
    """One 30-minute row of a history table; counts default to zero."""
    row = {
        "interval_start": pd.Timestamp(start, tz=ZONE),
        "interval_seconds": 1800,
        "queue_id": f"id-{queue}-{media}",
        "queue_name": queue,
        "media_type": media,
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "handled": 0,
        "answered_within_target": 0,
        "service_level_denominator": 0,
        "service_level_goal": 0.8,
        "handle_seconds_total": 0.0,
        "answer_seconds_total": 0.0,
        "wait_seconds_total": 0.0,
    }
    row.update(counts)
    return row


def table(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def sales_week() -> pd.DataFrame:
    """Two intervals of Sales and one of Support, with round numbers."""
    return table(
        interval("2026-11-09 10:00", offered=100, answered=90, abandoned=10, handled=90,
                 answered_within_target=70, service_level_denominator=100,
                 handle_seconds_total=90 * 300.0, answer_seconds_total=90 * 12.0,
                 wait_seconds_total=1500.0),
        interval("2026-11-09 10:30", offered=50, answered=50, handled=50,
                 answered_within_target=45, service_level_denominator=50,
                 handle_seconds_total=50 * 240.0, answer_seconds_total=50 * 6.0,
                 wait_seconds_total=300.0),
        interval("2026-11-09 10:00", queue="Support - Chat", media="chat", offered=20,
                 answered=20, handled=20, answered_within_target=20,
                 service_level_denominator=20, handle_seconds_total=20 * 600.0),
    )  # fmt: skip


def goals_for(summary: pd.DataFrame, level: float = 0.8, seconds: float = 20.0) -> pd.DataFrame:
    return summary[["queue_id", "queue_name", "media_type"]].assign(
        goal_service_level=level, target_seconds=seconds, goal_source="org", goal_note=""
    )


def test_queue_summary_sums_before_dividing() -> None:
    summary = ws.queue_summary(sales_week())
    sales = summary[summary["queue_name"] == "Sales - Voice"].iloc[0]
    assert sales["offered"] == 150 and sales["abandoned"] == 10
    assert sales["service_level"] == pytest.approx(115 / 150)
    assert sales["aht_seconds"] == pytest.approx((90 * 300 + 50 * 240) / 140)
    assert sales["asa_seconds"] == pytest.approx((90 * 12 + 50 * 6) / 140)
    assert sales["abandon_rate"] == pytest.approx(10 / 150)
    assert sales["mean_wait_seconds"] == pytest.approx(1800 / 150)


def test_queue_summary_lists_the_busiest_first_with_the_id_last() -> None:
    summary = ws.queue_summary(sales_week())
    assert list(summary["queue_name"]) == ["Sales - Voice", "Support - Chat"]
    assert summary.columns[0] == "queue_name" and summary.columns[-1] == "queue_id"


def test_a_queue_without_traffic_has_no_ratios_rather_than_zeros() -> None:
    summary = ws.queue_summary(table(interval("2026-11-09 10:00")))
    row = summary.iloc[0]
    assert row["offered"] == 0
    assert math.isnan(row["service_level"]) and math.isnan(row["aht_seconds"])


def test_intervals_marked_uncovered_are_left_out() -> None:
    history = sales_week().assign(covered=[True, False, True])
    sales = ws.queue_summary(history).iloc[0]
    assert sales["offered"] == 100 and sales["service_level"] == pytest.approx(0.7)


def test_a_queue_below_its_goal_missed_it() -> None:
    summary = ws.queue_summary(sales_week())
    attainment = ws.goal_attainment(summary, goals_for(summary))
    sales, support = attainment.iloc[0], attainment.iloc[1]
    assert not sales["met_goal"] and sales["missed"] == "service level"
    assert sales["service_level_gap"] == pytest.approx(115 / 150 - 0.8)
    assert support["met_goal"] and support["missed"] == ""


def test_an_abandon_cap_counts_as_part_of_the_goal() -> None:
    summary = ws.queue_summary(sales_week())
    attainment = ws.goal_attainment(summary, goals_for(summary, level=0.5), max_abandon=0.05)
    assert attainment.iloc[0]["missed"] == "abandon cap"
    assert attainment.iloc[1]["met_goal"]


def test_a_queue_without_traffic_is_not_judged() -> None:
    history = pd.concat([sales_week(), table(interval("2026-11-09 10:00", queue="Idle"))])
    summary = ws.queue_summary(history)
    attainment = ws.goal_attainment(summary, goals_for(summary))
    idle = attainment[attainment["queue_name"] == "Idle"].iloc[0]
    assert pd.isna(idle["met_goal"])


def test_goal_attainment_names_a_missing_goal_column() -> None:
    summary = ws.queue_summary(sales_week())
    with pytest.raises(ValueError, match="target_seconds"):
        ws.goal_attainment(summary, goals_for(summary).drop(columns="target_seconds"))


def days_of_traffic(first: str, days: int, queue: str = "Sales - Voice") -> list[dict]:
    start = pd.Timestamp(first)
    return [
        interval(str(start + pd.Timedelta(days=d) + pd.Timedelta(hours=10)), queue=queue,
                 offered=10, answered=10, handled=10)
        for d in range(days)
    ]  # fmt: skip


def test_covered_window_counts_local_days_across_the_end_of_daylight_saving() -> None:
    # 28 days from Monday 19 October 2026; Chicago leaves DST on Sunday 1 November.
    history = table(*days_of_traffic("2026-10-19", 28))
    window = ws.covered_window(history)
    assert (window.start, window.end) == (dt.date(2026, 10, 19), dt.date(2026, 11, 16))
    assert window.days == 28 and window.last_day == dt.date(2026, 11, 15)
    assert window.time_zone == ZONE and window.partial == () and window.empty == ()


def test_covered_window_names_queues_whose_data_starts_late_and_queues_without_any() -> None:
    history = table(
        *days_of_traffic("2026-11-02", 14),
        *days_of_traffic("2026-11-09", 7, queue="VIP - Voice"),
        interval("2026-11-02 10:00", queue="Idle"),
    )
    window = ws.covered_window(history)
    assert window.days == 14 and window.requested_days == 14
    assert window.partial == (("VIP - Voice / voice", dt.date(2026, 11, 9), 7),)
    assert window.empty == ("Idle / voice",)


def test_intraday_profile_is_the_mean_over_covered_days_of_that_weekday() -> None:
    # Two Mondays at 10:00 with 10 and 30 offered; AHT weighted by handled.
    history = table(
        interval("2026-11-09 10:00", offered=10, handled=10, handle_seconds_total=10 * 200.0),
        interval("2026-11-16 10:00", offered=30, handled=30, handle_seconds_total=30 * 400.0),
    )
    profile = ws.intraday_profile(history)
    row = profile.iloc[0]
    assert (row["weekday"], row["slot_minute"], row["days"]) == (0, 600, 2)
    assert row["offered_mean"] == pytest.approx(20.0)
    assert row["aht_seconds"] == pytest.approx((2000 + 12000) / 40)


def test_daily_totals_sum_each_local_day() -> None:
    daily = ws.daily_totals(sales_week())
    sales = daily[daily["queue_name"] == "Sales - Voice"].iloc[0]
    assert sales["offered"] == 150 and sales["service_level"] == pytest.approx(115 / 150)
    assert sales["day"] == pd.Timestamp("2026-11-09", tz=ZONE)


def test_abandonment_by_wait_groups_intervals_by_their_mean_wait() -> None:
    history = table(
        # mean wait 4 s (bin 0-5 s): 1 abandon of 50 waiting
        interval("2026-11-09 09:00", offered=50, answered=49, abandoned=1,
                 wait_seconds_total=200.0),
        # mean waits 25 s and 28 s (bin 20-30 s): together 9 of 60, waited 1,560 s
        interval("2026-11-09 09:30", offered=40, answered=34, abandoned=6,
                 wait_seconds_total=1000.0),
        interval("2026-11-09 10:00", offered=20, answered=17, abandoned=3,
                 wait_seconds_total=560.0),
        # nobody queued: left out
        interval("2026-11-09 10:30"),
    )  # fmt: skip
    bins = ws.abandonment_by_wait(history)
    assert list(bins["lower_seconds"]) == [0.0, 20.0]
    assert list(bins["intervals"]) == [1, 2]
    assert bins.iloc[0]["abandon_rate"] == pytest.approx(1 / 50)
    assert bins.iloc[1]["abandon_rate"] == pytest.approx(9 / 60)
    assert bins.iloc[1]["mean_wait_seconds"] == pytest.approx(1560 / 60)


def test_abandonment_by_wait_refuses_edges_that_do_not_increase() -> None:
    with pytest.raises(ValueError, match="increasing"):
        ws.abandonment_by_wait(sales_week(), edges_seconds=(0, 10, 5))


def test_equal_width_edges_pick_a_round_width_covering_three_means() -> None:
    edges = equal_width_edges(330.0)  # 3 x 330 s over 24 bins: 41 s, so one-minute bins
    widths = np.diff(edges[:-1])
    assert np.allclose(widths, 60.0) and len(edges) == 26
    assert edges[0] == 0.0 and edges[-2] == 24 * 60 and math.isinf(edges[-1])


def test_equal_width_edges_of_long_emails_are_wider() -> None:
    edges = equal_width_edges(4 * 3600.0)  # 12 h over 24 bins: 30 minutes each
    assert edges[1] == 1800.0


def test_equal_width_edges_without_a_mean_are_one_minute() -> None:
    assert equal_width_edges(float("nan"))[1] == 60.0
