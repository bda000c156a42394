"""Scenario sweeps in this process: what each scenario column does, and seeds owned by keys."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest

from routingkit.capacity.staffing import scheduled_agents
from routingkit.policy import (
    GoalOverrides,
    StaffingOptions,
    add_simulation,
    required_staffing,
    resolve_goals,
)
from routingkit.policy.cluster import ADDRESS_VARIABLE, SchedulerError
from routingkit.policy.requirements import requirement_summary, scale_week
from routingkit.policy.sweep import (
    read_scenarios,
    scenario_grid,
    simulation_seed,
    sweep,
    what_ifs,
)


def week_of(queues: int, slots: int = 24, *, seed: int = 1) -> pd.DataFrame:
    """A day of ``slots`` 30-minute intervals for ``queues`` queues, voice and message mixed,
    some patient (no abandonment seen), some not."""
    rng = np.random.default_rng(seed)
    slot = np.arange(slots)
    shape = 0.3 + np.exp(-(((slot - slots * 0.45) / (slots * 0.25)) ** 2))
    frames = []
    for q in range(queues):
        frames.append(
            pd.DataFrame(
                {
                    "queue_id": f"q{q:03d}",
                    "queue_name": f"Queue {q}",
                    "media_type": "message" if q % 3 == 0 else "voice",
                    "weekday": 0,
                    "slot": slot,
                    "slot_minute": 16 * 30 + slot * 30,
                    "interval_seconds": 1800,
                    "arrival_rate": rng.uniform(0.004, 0.05) * shape,
                    "aht_seconds": rng.uniform(150.0, 500.0),
                    "patience_seconds": np.inf if q % 2 else rng.uniform(60.0, 240.0),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


WEEK = week_of(6)
GOALS = resolve_goals(WEEK)
CONCURRENCY = {"message": 2}


def quiet_sweep(*args: object, **kwargs: object) -> pd.DataFrame:
    return sweep(*args, progress=False, **kwargs)  # type: ignore[arg-type]


def test_the_base_case_is_the_staffing_pipelines_answer() -> None:
    result = quiet_sweep(WEEK, GOALS, detail="interval", concurrency=CONCURRENCY)
    plan = required_staffing(WEEK, GOALS, concurrency=CONCURRENCY)
    assert (result["scenario"] == "base").all()
    for column in ("erlang_c", "erlang_a", "traffic_erlangs", "concurrency", "goal_service_level"):
        np.testing.assert_array_equal(result[column].to_numpy(), plan[column].to_numpy())


def test_the_queue_detail_is_the_requirement_summary_of_each_scenario() -> None:
    result = quiet_sweep(WEEK, GOALS, what_ifs(volume_change=0.2, aht_change=0, patience_factor=1))
    assert len(result) == 4 * WEEK.groupby(["queue_id", "media_type"]).ngroups
    busier = result[result["scenario"] == "volume +20%"].reset_index(drop=True)
    plan = required_staffing(scale_week(WEEK, volume=1.2), GOALS)
    expected = requirement_summary(plan, ["erlang_c", "erlang_a"])
    for column in ("erlang_c_peak", "erlang_a_peak", "erlang_c_agent_hours"):
        np.testing.assert_array_equal(busier[column].to_numpy(), expected[column].to_numpy())


def test_rows_come_scenario_by_scenario_then_queue_by_queue_in_the_inputs_order() -> None:
    table = pd.DataFrame({"scenario": ["z", "a", "m"], "volume": [1.1, 0.9, 1.0]})
    result = quiet_sweep(WEEK, GOALS, table, queues_per_task=4)
    assert list(dict.fromkeys(result["scenario"])) == ["z", "a", "m"]
    for _, rows in result.groupby("scenario", sort=False):
        assert list(rows["queue_id"]) == list(dict.fromkeys(WEEK["queue_id"]))


@pytest.mark.parametrize(
    ("column", "factor", "scaled"),
    [("volume", 1.3, "arrival_rate"), ("aht", 0.8, "aht_seconds"), ("patience", 0.5, None)],
)
def test_a_factor_scales_the_week_as_scale_week_does(
    column: str, factor: float, scaled: str | None
) -> None:
    result = quiet_sweep(WEEK, GOALS, [{column: factor}], detail="interval")
    expected = required_staffing(scale_week(WEEK, **{column: factor}), GOALS)
    assert result["scenario"].iloc[0] == f"{'AHT' if column == 'aht' else column} x{factor:g}"
    np.testing.assert_array_equal(result["erlang_a"].to_numpy(), expected["erlang_a"].to_numpy())
    if scaled is not None:
        np.testing.assert_array_equal(result[scaled].to_numpy(), expected[scaled].to_numpy())


def test_a_scenario_goal_applies_to_every_queue_of_that_scenario_only() -> None:
    table = [{"scenario": "own goals"}, {"scenario": "strict", "goal": "95% in 10s"}]
    result = quiet_sweep(WEEK, GOALS, table, detail="interval")
    strict = result[result["scenario"] == "strict"]
    assert (strict["goal_service_level"] == 0.95).all() and (strict["target_seconds"] == 10).all()
    own = result[result["scenario"] == "own goals"]
    assert (own["goal_service_level"] == 0.8).all()
    expected = required_staffing(
        WEEK, resolve_goals(WEEK, overrides=GoalOverrides.from_parameters("95% in 10s"))
    )
    np.testing.assert_array_equal(strict["erlang_a"].to_numpy(), expected["erlang_a"].to_numpy())


def test_shrinkage_changes_the_rostered_heads_and_not_the_agents_on_queue() -> None:
    table = [{"scenario": "30%"}, {"scenario": "40%", "shrinkage": 0.4}]
    result = quiet_sweep(WEEK, GOALS, table, detail="interval")
    low, high = (result[result["scenario"] == s].reset_index(drop=True) for s in ("30%", "40%"))
    pd.testing.assert_series_equal(low["erlang_a"], high["erlang_a"])
    np.testing.assert_array_equal(
        high["rostered_erlang_a"].to_numpy(), scheduled_agents(high["erlang_a"].to_numpy(), 0.4)
    )
    assert (high["rostered_erlang_a"] >= low["rostered_erlang_a"]).all()
    assert (high["rostered_erlang_a"] > low["rostered_erlang_a"]).any()


def test_a_concurrency_factor_rounds_down_and_leaves_voice_one_call_at_a_time() -> None:
    result = quiet_sweep(
        WEEK, GOALS, [{"concurrency": 1.5}, {"concurrency": 2.0}], concurrency=CONCURRENCY
    )
    detail = quiet_sweep(
        WEEK, GOALS, [{"concurrency": 1.5}], concurrency=CONCURRENCY, detail="interval"
    )
    per_media = detail.groupby("media_type")["concurrency"].unique()
    assert list(per_media["message"]) == [3] and list(per_media["voice"]) == [1]
    assert set(result["scenario"]) == {"concurrency x1.5", "concurrency x2"}


def test_staffing_caps_come_from_the_scenario_when_it_sets_them() -> None:
    table = [{"scenario": "no cap"}, {"scenario": "capped", "max_occupancy": 0.7}]
    result = quiet_sweep(WEEK, GOALS, table, detail="interval")
    capped = result[result["scenario"] == "capped"]
    expected = required_staffing(WEEK, GOALS, StaffingOptions(max_occupancy=0.7))
    np.testing.assert_array_equal(capped["erlang_c"].to_numpy(), expected["erlang_c"].to_numpy())


def test_the_simulation_column_is_add_simulation_with_a_seed_of_the_queue_and_scenario() -> None:
    one = WEEK[WEEK["queue_id"] == "q000"]
    result = quiet_sweep(
        one, GOALS, models=("erlang_a", "simulation"), replications=3, seed=11, detail="interval"
    )
    plan = required_staffing(one, GOALS)
    expected = add_simulation(
        plan, replications=3, seed=simulation_seed(11, "q000", "message", "base")
    )
    np.testing.assert_array_equal(
        result["simulation"].to_numpy(), expected["simulation"].to_numpy()
    )
    assert "erlang_c" not in result.columns


def test_a_queues_simulation_does_not_depend_on_the_rest_of_the_sweep() -> None:
    scenarios = what_ifs(volume_change=0.25, aht_change=0.1, patience_factor=0.5)
    settings = {"models": ("simulation",), "replications": 4, "seed": 5, "detail": "interval"}
    whole = quiet_sweep(WEEK, GOALS, scenarios, queues_per_task=4, **settings)
    # Fewer queues, scenarios reversed, one queue per task: the same streams, the same answer.
    some = WEEK[WEEK["queue_id"].isin(["q004", "q001"])]
    part = quiet_sweep(some, GOALS, scenarios.iloc[::-1], queues_per_task=1, **settings)
    keys = ["scenario", "queue_id", "slot"]
    merged = part.merge(whole, on=keys, suffixes=("", "_whole"))
    assert len(merged) == len(part)
    np.testing.assert_array_equal(merged["simulation"], merged["simulation_whole"])


def test_queues_per_task_changes_the_scheduling_and_never_the_answer() -> None:
    settings = {"models": ("erlang_c", "erlang_a", "simulation"), "replications": 3}
    scenarios = scenario_grid(volume=[1.0, 1.2], patience=[1.0, 0.5])
    one = quiet_sweep(WEEK, GOALS, scenarios, queues_per_task=1, **settings)
    all_ = quiet_sweep(WEEK, GOALS, scenarios, queues_per_task=100, **settings)
    pd.testing.assert_frame_equal(one, all_, check_exact=True)
    # scenarios grouped into tasks (3 of 4 in one, then 1): same rows in the same order
    grouped = quiet_sweep(
        WEEK, GOALS, scenarios, queues_per_task=1, scenarios_per_task=3, **settings
    )
    pd.testing.assert_frame_equal(one, grouped, check_exact=True)
    assert list(dict.fromkeys(grouped["scenario"])) == list(scenarios["scenario"])


def test_each_queue_and_scenario_has_its_own_seed() -> None:
    seeds = {
        simulation_seed(0, q, m, s)
        for q in ("q1", "q2")
        for m in ("voice", "message")
        for s in ("base", "volume +10%")
    }
    assert len(seeds) == 8
    assert simulation_seed(0, "ab", "c", "base") != simulation_seed(0, "a", "bc", "base")
    assert simulation_seed(1, "q1", "voice", "base") != simulation_seed(0, "q1", "voice", "base")
    assert simulation_seed(0, "q1", "voice", "base") == simulation_seed(0, "q1", "voice", "base")


def test_the_notebooks_what_ifs_keep_their_names() -> None:
    table = what_ifs(volume_change=0.15, aht_change=-0.1, patience_factor=0.5)
    assert list(table["scenario"]) == ["base", "volume +15%", "AHT -10%", "patience x0.5"]


def test_a_grid_is_every_combination_named_by_its_values() -> None:
    grid = scenario_grid(volume=[1.0, 1.1], goal=[None, "90% in 15s"])
    assert list(grid["scenario"]) == [
        "base",
        "goal 90% in 15 s",
        "volume x1.1",
        "volume x1.1, goal 90% in 15 s",
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([{"volume": 0}], "scenario row 1: volume is 0; give a factor > 0"),
        ([{"scenario": "x", "aht": "fast"}], "scenario row 1 ('x'): aht is 'fast'"),
        ([{"goal": "soon"}], "scenario row 1: goal: service goal 'soon' is not understood"),
        ([{}, {"shrinkage": 1.5}], "scenario row 2: shrinkage is 1.5"),
        ([{"scenario": "a"}, {"scenario": "a"}], "scenario rows 1 and 2 are both named 'a'"),
        ([{"volumes": 1.1}], "the scenario table has column(s) volumes, which a sweep does not"),
    ],
)
def test_a_bad_scenario_is_refused_naming_its_row_and_column(
    table: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        read_scenarios(table)


def test_a_queue_without_a_goal_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="no service goal for Queue 5"):
        quiet_sweep(WEEK, GOALS[GOALS["queue_id"] != "q005"])


def test_an_error_in_a_partition_names_its_scenario() -> None:
    broken = WEEK.copy()
    broken.loc[broken["queue_id"] == "q002", "aht_seconds"] = np.nan
    with pytest.raises(ValueError, match=r"^scenario 'base': aht_seconds is .*nan.* for Queue 2"):
        quiet_sweep(broken, GOALS)


def test_an_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="choose from erlang_c, erlang_a, simulation"):
        quiet_sweep(WEEK, GOALS, models=("erlang_b",))


def test_without_dask_the_sweep_runs_here_and_a_scheduler_asks_for_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    monkeypatch.delenv(ADDRESS_VARIABLE, raising=False)
    assert len(quiet_sweep(WEEK, GOALS)) == 6
    for scheduler in ("local", "tcp://127.0.0.1:8786"):
        with pytest.raises(SchedulerError, match=r"pip install 'routingkit\[dask\]'"):
            quiet_sweep(WEEK, GOALS, scheduler=scheduler)
    monkeypatch.setenv(ADDRESS_VARIABLE, "tcp://127.0.0.1:8786")
    with pytest.raises(SchedulerError, match=f"from the {ADDRESS_VARIABLE} variable"):
        quiet_sweep(WEEK, GOALS)
    assert len(quiet_sweep(WEEK, GOALS, scheduler="in-process")) == 6
