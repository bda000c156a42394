"""The estimators recover the parameters the sandbox history was drawn from (60 days).

Two checks per parameter and queue: the fixed tolerances (AHT within 2 %, offered volume within
3 %, patience within 10 %), which the sandbox's smallest queues are sized to meet at about three
standard errors over 60 days, and a bound of four standard errors of each case's own sample,
which a bug that biases an estimate would fail and sampling noise practically never does. The
org's calendar is pinned, so the history is the same on every run. Each queue is its own test
case, so a miss names the queue.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from routingkit.sandbox.org import queue_specs
from routingkit.workload import aht, arrival_rate, patience

NAMES = [spec.name for spec in queue_specs()]
WITH_PATIENCE = [s.name for s in queue_specs() if s.workload.patience_seconds is not None]
MAX_Z = 4.0


def spec_of(truth: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in truth["queues"] if q["queue_name"] == name)


def row(table: pd.DataFrame, name: str) -> pd.Series:
    found = table[table["queue_name"] == name]
    assert len(found) == 1, f"{name}: {len(found)} rows"
    first: pd.Series = found.iloc[0]
    return first


def expected_offered(spec: dict[str, Any], dates: tuple[dt.date, dt.date]) -> float:
    first, end = dates
    days = [first + dt.timedelta(days=d) for d in range((end - first).days)]
    return float(sum(spec["expected_offered_per_weekday"][d.weekday()] for d in days))


def handle_variance(spec: dict[str, Any]) -> float:
    """Variance (s²) of talk + hold (with its probability) + ACW, lognormal parts independent."""
    talk, hold, acw, p = spec["talk"], spec["hold"], spec["acw"], spec["hold_probability"]
    hold_second_moment = p * hold["mean_seconds"] ** 2 * (1 + hold["cv"] ** 2)
    return float(
        (talk["mean_seconds"] * talk["cv"]) ** 2
        + hold_second_moment
        - (p * hold["mean_seconds"]) ** 2
        + (acw["mean_seconds"] * acw["cv"]) ** 2
    )


@pytest.mark.parametrize("name", NAMES)
def test_aht_within_two_percent_of_the_true_mean_handle_time(
    clean_history: pd.DataFrame, truth: dict[str, Any], name: str
) -> None:
    expected = spec_of(truth, name)["mean_handle_seconds"]
    assert row(aht(clean_history), name)["aht_seconds"] == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("name", NAMES)
def test_aht_within_four_standard_errors(
    clean_history: pd.DataFrame, truth: dict[str, Any], name: str
) -> None:
    spec = spec_of(truth, name)
    found = row(aht(clean_history), name)
    error = math.sqrt(handle_variance(spec) / found["handled"])
    assert abs(found["aht_seconds"] - spec["mean_handle_seconds"]) < MAX_Z * error


@pytest.mark.parametrize(
    "name",
    NAMES,
)
def test_offered_volume_within_three_percent_of_the_expected_volume(
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    name: str,
) -> None:
    expected = expected_offered(spec_of(truth, name), history_dates)
    overall = row(arrival_rate(clean_history, profile=None), name)
    assert overall["offered"] == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("name", NAMES)
def test_offered_volume_within_four_standard_errors(
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    name: str,
) -> None:
    expected = expected_offered(spec_of(truth, name), history_dates)
    overall = row(arrival_rate(clean_history, profile=None), name)
    assert abs(overall["offered"] - expected) < MAX_Z * math.sqrt(expected)  # Poisson
    # The overall rate is the volume over the 60 days' seconds (one of them 25 hours long).
    assert overall["seconds"] == 60 * 86_400 + 3600
    assert overall["arrival_rate"] == overall["offered"] / overall["seconds"]


@pytest.mark.parametrize(
    "name",
    WITH_PATIENCE,
)
def test_patience_within_ten_percent_of_the_true_mean_patience(
    clean_history: pd.DataFrame, truth: dict[str, Any], name: str
) -> None:
    expected = spec_of(truth, name)["patience_seconds"]
    found = row(patience(clean_history), name)
    assert found["patience_seconds"] == pytest.approx(expected, rel=0.10)


@pytest.mark.parametrize("name", WITH_PATIENCE)
def test_patience_within_four_standard_errors(
    clean_history: pd.DataFrame, truth: dict[str, Any], name: str
) -> None:
    expected = spec_of(truth, name)["patience_seconds"]
    found = row(patience(clean_history), name)
    assert abs(found["patience_seconds"] - expected) < MAX_Z * found["patience_seconds_se"]


def test_queues_nobody_abandons_have_infinite_patience(clean_history: pd.DataFrame) -> None:
    never = [s.name for s in queue_specs() if s.workload.patience_seconds is None]
    found = patience(clean_history)
    assert np.isinf(found[found["queue_name"].isin(never)]["patience_seconds"]).all()


def test_weekday_slot_profile_matches_the_true_local_rates_across_dst(
    clean_history: pd.DataFrame, truth: dict[str, Any]
) -> None:
    """All queues together, per weekday and local half hour: every cell's arrivals within four
    Poisson standard errors of the truth, and the cells' squared errors average about 1. The
    range crosses the end of DST, so a profile keyed on UTC instead of local time fails."""
    profile = arrival_rate(clean_history, by=())
    true = sum(
        np.asarray(q["arrival_rate_per_second"]).reshape(7, 48, 2).mean(axis=2)
        for q in truth["queues"]
    )
    found = np.zeros((7, 48))
    days = np.zeros((7, 48))
    found[profile["weekday"], profile["slot_minute"] // 30] = profile["arrival_rate"]
    days[profile["weekday"], profile["slot_minute"] // 30] = profile["days"]
    assert set(np.unique(days)) == {8, 9}  # 60 days: four weekdays 9 times, three 8 times
    open_cells = true > 0
    expected = true[open_cells] * 1800 * days[open_cells]
    z = (found[open_cells] * 1800 * days[open_cells] - expected) / np.sqrt(expected)
    assert np.abs(z).max() < MAX_Z + 0.5  # ~220 cells: allow the largest of them a bit more
    assert 0.7 < np.mean(z**2) < 1.4
    assert (found[~open_cells] == 0).all()
