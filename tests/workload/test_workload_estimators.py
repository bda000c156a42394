"""The estimators on small hand-made tables whose answers are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from routingkit.workload import aht, arrival_rate, patience

ZONE = "America/Chicago"


def table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """A history-shaped table: one-hour intervals starting at the given local times."""
    frame: pd.DataFrame = pd.DataFrame(rows)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.tz_localize(ZONE)
    frame["interval_seconds"] = 3600
    for column in ("offered", "handled", "abandoned"):
        if column not in frame:
            frame[column] = 0
    for column in ("handle_seconds_total", "wait_seconds_total"):
        if column not in frame:
            frame[column] = 0.0
    frame["aht_seconds"] = frame["handle_seconds_total"] / frame["handled"].where(
        frame["handled"] > 0
    )
    if "queue_name" not in frame:
        frame["queue_name"] = "Q"
    frame["media_type"] = "voice"
    return frame


def two_weeks_of_hours() -> pd.DataFrame:
    """Monday 5 January 2026 00:00 to Sunday 18 January 23:00, hourly; calls only Mondays 9-10."""
    hours = pd.date_range("2026-01-05", "2026-01-18 23:00", freq="h")
    frame = table([{"interval_start": h, "offered": 0} for h in hours])
    mondays_nine = (frame["interval_start"].dt.day_of_week == 0) & (
        frame["interval_start"].dt.hour == 9
    )
    frame.loc[mondays_nine, "offered"] = [36, 72]
    return frame


def test_weekday_slot_rate_averages_over_the_weekdays_in_the_range() -> None:
    found = arrival_rate(two_weeks_of_hours())
    monday_nine = found[(found["weekday"] == 0) & (found["slot_minute"] == 540)].iloc[0]
    assert monday_nine["arrival_rate"] == pytest.approx((36 + 72) / (2 * 3600))
    assert monday_nine["days"] == 2
    assert found["arrival_rate"].sum() == pytest.approx(monday_nine["arrival_rate"])
    assert len(found) == 7 * 24
    assert list(found.columns) == [
        "queue_name", "media_type", "weekday", "slot_minute", "arrival_rate", "offered", "days",
    ]  # fmt: skip


def test_missing_intervals_count_as_zero_arrivals() -> None:
    full = two_weeks_of_hours()
    sparse = full[full["offered"] > 0]
    # The span (and so the days) comes from the first and last interval in the table.
    edges = full.iloc[[0, -1]]
    found = arrival_rate(pd.concat([edges, sparse]), profile="weekday_slot")
    monday_nine = found[(found["weekday"] == 0) & (found["slot_minute"] == 540)].iloc[0]
    assert monday_nine["arrival_rate"] == pytest.approx(108 / (2 * 3600))


def test_slot_profile_averages_over_every_day() -> None:
    found = arrival_rate(two_weeks_of_hours(), profile="slot")
    nine = found[found["slot_minute"] == 540].iloc[0]
    assert nine["arrival_rate"] == pytest.approx(108 / (14 * 3600))
    assert nine["days"] == 14


def test_overall_rate_is_offered_over_the_whole_span() -> None:
    found = arrival_rate(two_weeks_of_hours(), profile=None)
    assert found["arrival_rate"].iloc[0] == pytest.approx(108 / (14 * 86_400))
    assert found["seconds"].iloc[0] == 14 * 86_400


def test_weekday_and_slot_are_local_time() -> None:
    # 23:00 on Monday in Chicago is already 05:00 on Tuesday in UTC.
    frame = table([{"interval_start": "2026-01-05 23:00", "offered": 7}])
    found = arrival_rate(frame, by="queue_name")
    assert found[["weekday", "slot_minute", "offered"]].iloc[0].tolist() == [0, 23 * 60, 7]


def test_aht_mean_weights_intervals_by_handled_conversations() -> None:
    frame = table(
        [
            {"interval_start": "2026-01-05 09:00", "handled": 1, "handle_seconds_total": 100.0},
            {"interval_start": "2026-01-05 10:00", "handled": 3, "handle_seconds_total": 900.0},
            {"interval_start": "2026-01-05 11:00", "handled": 0},
        ]
    )
    found = aht(frame)
    assert found["aht_seconds"].iloc[0] == pytest.approx(250.0)  # not (100 + 300) / 2
    assert found["handled"].iloc[0] == 4


def test_aht_trimmed_cuts_handled_weight_from_both_ends() -> None:
    frame = table(
        [
            {
                "interval_start": f"2026-01-05 {9 + i:02d}:00",
                "handled": 1,
                "handle_seconds_total": v,
            }
            for i, v in enumerate([100.0, 200.0, 300.0, 1000.0])
        ]
    )
    assert aht(frame, method="trimmed", trim=0.25)["aht_seconds"].iloc[0] == pytest.approx(250.0)
    # 10 % of 4 calls is 0.4 from each end: weights 0.6, 1, 1, 0.6
    partial = (0.6 * 100 + 200 + 300 + 0.6 * 1000) / 3.2
    assert aht(frame, method="trimmed", trim=0.1)["aht_seconds"].iloc[0] == pytest.approx(partial)
    assert aht(frame, method="trimmed", trim=0.0)["aht_seconds"].iloc[0] == pytest.approx(400.0)


def test_aht_of_nothing_handled_is_nan() -> None:
    frame = table([{"interval_start": "2026-01-05 09:00", "offered": 2}])
    assert math.isnan(aht(frame)["aht_seconds"].iloc[0])
    assert math.isnan(aht(frame, method="trimmed")["aht_seconds"].iloc[0])


def test_patience_is_total_wait_over_abandons_with_its_standard_error() -> None:
    frame = table(
        [
            {"interval_start": "2026-01-05 09:00", "abandoned": 1, "wait_seconds_total": 500.0},
            {"interval_start": "2026-01-05 10:00", "abandoned": 3, "wait_seconds_total": 300.0},
        ]
    )
    found = patience(frame).iloc[0]
    assert found["patience_seconds"] == pytest.approx(200.0)
    assert found["patience_seconds_se"] == pytest.approx(100.0)  # 200 / sqrt(4)


def test_patience_without_abandons_is_infinite_and_without_waits_unknown() -> None:
    frame = table(
        [
            {"interval_start": "2026-01-05 09:00", "queue_name": "A", "wait_seconds_total": 60.0},
            {"interval_start": "2026-01-05 09:00", "queue_name": "B"},
        ]
    )
    found = patience(frame).set_index("queue_name")["patience_seconds"]
    assert np.isinf(found["A"])
    assert math.isnan(found["B"])


def test_estimators_group_by_any_columns_or_none() -> None:
    frame = two_weeks_of_hours()
    assert list(arrival_rate(frame, by=(), profile=None).columns) == [
        "arrival_rate",
        "offered",
        "seconds",
    ]
    assert len(patience(frame, by=[])) == 1
    assert aht(frame, by="media_type")["media_type"].tolist() == ["voice"]


def test_a_table_without_the_needed_columns_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"lacks column\(s\) wait_seconds_total"):
        patience(pd.DataFrame({"queue_name": [], "media_type": [], "abandoned": []}))
    with pytest.raises(ValueError, match="profile 'weekly' is not one of"):
        arrival_rate(two_weeks_of_hours(), profile="weekly")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"trim is 0\.5"):
        aht(two_weeks_of_hours(), method="trimmed", trim=0.5)
