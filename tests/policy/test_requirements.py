"""The one staffing pipeline, checked against published figures, mpmath and simulation."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pandas as pd
import pytest

from routingkit.capacity.simulation import simulate_queue
from routingkit.policy import (
    GoalOverrides,
    StaffingOptions,
    model_notes,
    predicted_service,
    required_staffing,
    resolve_goals,
)


def week(**columns: object) -> pd.DataFrame:
    """One interval per row, Monday from 08:00, 30-minute intervals."""
    frame = pd.DataFrame(columns)
    n = len(frame)
    frame["queue_id"] = frame.get("queue_id", pd.Series(["q1"] * n))
    frame["queue_name"] = frame.get("queue_name", frame["queue_id"].map(lambda q: f"Queue {q}"))
    frame["media_type"] = frame.get("media_type", pd.Series(["voice"] * n))
    frame["weekday"] = 0
    frame["slot"] = 16 + np.arange(n)
    frame["slot_minute"] = frame["slot"] * 30
    frame["interval_seconds"] = 1800
    if "patience_seconds" not in frame:
        frame["patience_seconds"] = np.inf
    return frame


def erlang_c_reference(n: int, a: float) -> mp.mpf:
    """P(wait) from the Erlang B recursion at 50 digits (independent of routingkit)."""
    with mp.workdps(50):
        a = mp.mpf(a)
        b = mp.mpf(1)
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        return n * b / (n - a * (1 - b)) if n > a else mp.mpf(1)


def minimal_agents_reference(a: float, aht: float, target: float, level: float) -> int:
    n = math.floor(a) + 1
    while True:
        with mp.workdps(50):
            sl = 1 - erlang_c_reference(n, a) * mp.exp(-(n - a) * target / aht)
        if sl >= level:
            return n
        n += 1


def test_the_textbook_example_gives_the_published_figures() -> None:
    # 200 calls an hour, 3-minute AHT, 80% in 20 s: 14 agents, 88.8% answered in 20 s,
    # ASA 7.8 s, occupancy 71.4% (the classic worked example of Erlang C).
    table = week(arrival_rate=[200 / 3600], aht_seconds=[180.0])
    goals = resolve_goals(table, overrides=GoalOverrides.from_parameters("80% in 20s"))
    plan = required_staffing(table, goals)
    assert plan["erlang_c"].iloc[0] == 14 and plan["erlang_a"].iloc[0] == 14
    predicted = predicted_service(plan, plan["erlang_c"]).iloc[0]
    assert predicted["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert predicted["asa_seconds"] == pytest.approx(7.83, abs=0.01)
    assert predicted["occupancy"] == pytest.approx(10 / 14)
    assert predicted["abandon_rate"] == 0


def test_each_row_is_staffed_to_its_own_queues_goal() -> None:
    rates = [0.02, 0.05, 0.11, 0.3]
    table = pd.concat(
        [
            week(queue_id=["vip"] * 4, arrival_rate=rates, aht_seconds=[240.0] * 4),
            week(queue_id=["std"] * 4, arrival_rate=rates, aht_seconds=[240.0] * 4),
        ],
        ignore_index=True,
    )
    goals = resolve_goals(
        table, overrides=GoalOverrides.from_parameters("80% in 30s", {"vip": "90% in 10s"})
    )
    plan = required_staffing(table, goals)
    for row in plan.itertuples():
        expected = minimal_agents_reference(
            row.arrival_rate * 240.0, 240.0, row.target_seconds, row.goal_service_level
        )
        assert row.erlang_c == expected, row
    vip, std = plan[plan["queue_id"] == "vip"], plan[plan["queue_id"] == "std"]
    assert (vip["erlang_c"].to_numpy() > std["erlang_c"].to_numpy()).all()


def test_concurrent_work_rounds_up_to_whole_agents() -> None:
    table = week(media_type=["chat"], arrival_rate=[0.05], aht_seconds=[600.0])
    goals = resolve_goals(table, overrides=GoalOverrides.from_parameters("80% in 60s"))
    single = required_staffing(table, goals)["erlang_c"].iloc[0]
    triple = required_staffing(table, goals, concurrency={"chat": 3})["erlang_c"].iloc[0]
    assert triple == math.ceil(single / 3)


def test_closed_intervals_need_nobody_even_without_a_handle_time() -> None:
    table = week(arrival_rate=[0.0, 0.01], aht_seconds=[np.nan, 300.0])
    plan = required_staffing(table, resolve_goals(table))
    assert plan["erlang_c"].tolist()[0] == 0 and plan["erlang_c"].tolist()[1] > 0


def test_volume_without_a_handle_time_is_an_error_naming_the_interval() -> None:
    table = week(arrival_rate=[0.01, 0.01], aht_seconds=[300.0, np.nan])
    with pytest.raises(ValueError, match=r"Queue q1 / voice on weekday 0 at 08:30"):
        required_staffing(table, resolve_goals(table))


def test_defaults_set_no_cap_beyond_the_goal_and_say_so() -> None:
    options = StaffingOptions()
    assert options.max_abandon is None and options.max_occupancy is None
    assert options.describe().startswith("no abandon cap, no occupancy cap, no ASA cap")


def test_erlang_a_never_needs_more_than_erlang_c_without_an_abandon_cap() -> None:
    table = week(
        arrival_rate=np.linspace(0.005, 0.3, 12), aht_seconds=[300.0] * 12,
        patience_seconds=[90.0] * 12,
    )  # fmt: skip
    plan = required_staffing(table, resolve_goals(table))
    assert (plan["erlang_a"] <= plan["erlang_c"]).all()
    capped = required_staffing(table, resolve_goals(table), StaffingOptions(max_abandon=0.01))
    assert (capped["erlang_a"] >= plan["erlang_a"]).all()
    assert (capped["erlang_a"] > plan["erlang_a"]).any()


def test_a_model_column_that_copies_another_says_so() -> None:
    table = week(arrival_rate=[0.05, 0.1], aht_seconds=[200.0, 200.0])
    plan = required_staffing(table, resolve_goals(table))
    assert plan["erlang_a_is_erlang_c"].all()
    assert any("erlang_a equals erlang_c in 2 of 2" in note for note in model_notes(plan))


def test_predicted_erlang_a_service_agrees_with_simulation() -> None:
    rate, aht, patience = 0.06, 240.0, 120.0
    table = week(arrival_rate=[rate], aht_seconds=[aht], patience_seconds=[patience])
    plan = required_staffing(table, resolve_goals(table))
    agents = int(plan["erlang_a"].iloc[0])
    predicted = predicted_service(plan, [agents]).iloc[0]
    # a long steady day at the same load: the simulated averages converge on Erlang A
    result = simulate_queue(
        np.full(48, rate), agents, 1800, aht, patience=patience, target_seconds=20.0,
        replications=30, seed=3,
    )  # fmt: skip
    day = result.window(8)  # skip the empty start
    assert day.service_level("offered").contains(predicted["service_level"])
    assert day.p_abandon.contains(predicted["abandon_rate"])
