"""Agent-hours, FTE and the staffing curve of chosen capacities, against hand-worked figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from routingkit.capacity.erlang import asa, service_level
from routingkit.policy import predicted_service
from routingkit.report import staffing_summary as ss


def capacity_frame() -> pd.DataFrame:
    """Two queues, two 30-minute intervals each: Sales needs 10 and 20 agents, Chat 4 and 0."""
    base = {"goal_service_level": 0.8, "target_seconds": 20.0, "goal_source": "org",
            "concurrency": 1, "patience_seconds": np.nan, "weekday": 0}  # fmt: skip
    rows = [
        {**base, "queue_id": "s", "queue_name": "Sales", "media_type": "voice", "slot_minute": 600,
         "arrival_rate": 0.05, "aht_seconds": 300.0, "required_agents": 10, "rostered_agents": 15,
         "service_level": 0.9, "asa_seconds": 5.0, "abandon_rate": 0.0, "occupancy": 0.75},
        {**base, "queue_id": "s", "queue_name": "Sales", "media_type": "voice", "slot_minute": 630,
         "arrival_rate": 0.15, "aht_seconds": 300.0, "required_agents": 20, "rostered_agents": 29,
         "service_level": 0.82, "asa_seconds": 11.0, "abandon_rate": 0.0, "occupancy": 0.85},
        {**base, "queue_id": "c", "queue_name": "Chat", "media_type": "chat", "slot_minute": 600,
         "arrival_rate": 0.01, "aht_seconds": 600.0, "required_agents": 4, "rostered_agents": 6,
         "service_level": 0.95, "asa_seconds": 2.0, "abandon_rate": 0.01, "occupancy": 0.5,
         "concurrency": 2},
        {**base, "queue_id": "c", "queue_name": "Chat", "media_type": "chat", "slot_minute": 630,
         "arrival_rate": 0.0, "aht_seconds": np.nan, "required_agents": 0, "rostered_agents": 0,
         "service_level": 1.0, "asa_seconds": 0.0, "abandon_rate": 0.0, "occupancy": 0.0,
         "concurrency": 2},
    ]  # fmt: skip
    return pd.DataFrame(rows)


def staffed_of(values: list[float]) -> pd.DataFrame:
    frame = capacity_frame()[["queue_id", "media_type", "weekday", "slot_minute"]]
    return frame.assign(staffed=values)


def table(staffed: list[float] | None = None) -> pd.DataFrame:
    frame = ss.with_staffed(capacity_frame(), None if staffed is None else staffed_of(staffed))
    return ss.capacity_table(
        frame, interval_seconds=1800, shrinkage=0.25, hours_per_fte=37.5, model="erlang_a"
    )


def test_agent_hours_are_agents_times_interval_hours() -> None:
    sales = table().iloc[0]
    assert sales["queue_name"] == "Sales"  # the most agent-hours first
    assert sales["required_agent_hours"] == pytest.approx((10 + 20) * 0.5)
    assert (sales["peak_required_agents"], sales["peak_rostered_agents"]) == (20, 29)


def test_paid_hours_and_fte_follow_the_usual_conversion() -> None:
    sales = table().iloc[0]
    assert sales["paid_hours"] == pytest.approx(15 / 0.75)
    assert sales["fte"] == pytest.approx(15 / 0.75 / 37.5)


def test_predicted_service_over_the_week_is_weighted_by_volume() -> None:
    sales = table().iloc[0]
    # 90 and 270 expected interactions in the two intervals
    assert sales["predicted_service_level"] == pytest.approx((90 * 0.9 + 270 * 0.82) / 360)
    assert sales["predicted_asa_seconds"] == pytest.approx((90 * 5 + 270 * 11) / 360)


def test_the_staffed_gap_is_the_share_of_required_hours_not_staffed() -> None:
    capacities = table(staffed=[9, 18, 4, 0])
    sales = capacities.iloc[0]
    assert sales["staffed_agent_hours"] == pytest.approx(13.5)
    assert sales["staffed_gap"] == pytest.approx((15 - 13.5) / 15)


def test_without_a_staffed_table_nothing_is_compared() -> None:
    capacities = table()
    assert capacities["staffed_agent_hours"].isna().all()
    assert math.isnan(ss.totals(capacities)["staffed_gap"])


def test_totals_of_the_week_add_the_queues() -> None:
    week = ss.totals(table(staffed=[9, 18, 4, 0]))
    assert week["required_agent_hours"] == pytest.approx(15 + 2)
    assert week["staffed_agent_hours"] == pytest.approx(13.5 + 2)
    assert week["staffed_gap"] == pytest.approx((17 - 15.5) / 17)
    assert week["fte"] == pytest.approx(17 / 0.75 / 37.5)


def test_the_ids_are_the_last_column() -> None:
    assert table().columns[-1] == "queue_id" and table().columns[0] == "queue_name"


def test_shrinkage_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"shrinkage is 1\.0"):
        ss.capacity_table(
            capacity_frame(), interval_seconds=1800, shrinkage=1.0, hours_per_fte=37.5
        )


def test_intervals_below_goal_are_open_intervals_predicted_short() -> None:
    frame = capacity_frame()
    frame.loc[1, "service_level"] = 0.7
    frame.loc[3, "service_level"] = 0.0  # closed: no arrivals, not a miss
    assert list(ss.intervals_below_goal(frame).index) == [1]


def test_the_peak_interval_has_the_most_work() -> None:
    assert ss.peak_interval(capacity_frame(), "s", "voice")["slot_minute"] == 630


def staffing_row(rate: float = 0.1, aht: float = 180.0) -> pd.DataFrame:
    """One interval of a required_staffing table, patient callers (Erlang C)."""
    return pd.DataFrame(
        {"arrival_rate": [rate], "aht_seconds": [aht], "target_seconds": [20.0],
         "patience_seconds": [np.inf], "concurrency": [1]}
    )  # fmt: skip


def test_the_staffing_curve_is_erlang_c_at_each_number_of_agents() -> None:
    curve = ss.staffing_curve(staffing_row(), [19, 20, 25], predicted_service)
    traffic = 0.1 * 180.0
    assert list(curve["agents"]) == [19, 20, 25]
    for agents, row in zip((19, 20, 25), curve.itertuples(index=False), strict=True):
        assert row.service_level == pytest.approx(service_level(agents, traffic, 180.0, 20.0))
        assert row.asa_seconds == pytest.approx(asa(agents, traffic, 180.0))
    assert curve["service_level"].is_monotonic_increasing


def test_the_staffing_curve_takes_one_interval_and_whole_agents() -> None:
    with pytest.raises(ValueError, match="one interval"):
        ss.staffing_curve(pd.concat([staffing_row()] * 2), [5], predicted_service)
    with pytest.raises(ValueError, match="whole numbers"):
        ss.staffing_curve(staffing_row(), [5.5], predicted_service)


def test_the_curve_spans_from_the_load_to_past_the_choice() -> None:
    agents = ss.curve_agents(18.0, 23)
    assert agents[0] == 18 and agents[-1] == 29 and 23 in agents
    assert ss.curve_agents(1.5, 3)[0] == 1


def test_the_peak_staffing_curve_marks_the_chosen_agents() -> None:
    plan = staffing_row().assign(
        queue_id="s", media_type="voice", weekday=2, slot_minute=630, erlang_c=22,
        goal_service_level=0.8,
    )  # fmt: skip
    peak = ss.peak_staffing_curve(plan, "s", "voice", model="erlang_c", predict=predicted_service)
    assert (peak.when, peak.chosen, peak.goal_level) == ("Wed 10:30", 22, 0.8)
    assert peak.traffic_erlangs == pytest.approx(18.0)
    assert 22 in set(peak.curve["agents"])
