"""The first screen of a report says, in words and formatted numbers, what to do and why."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from routingkit.report.headlines import (
    history_headlines,
    missed_line,
    staffing_headlines,
    window_headline,
)
from routingkit.workload.summary import CoveredWindow

WINDOW = CoveredWindow(
    start=dt.date(2026, 10, 19),
    end=dt.date(2026, 11, 16),
    requested_start=dt.date(2026, 10, 19),
    days=28,
    requested_days=28,
    time_zone="America/Chicago",
)


def attainment() -> pd.DataFrame:
    """Sales missed 80 % in 20 s with 75.2 %; Support met it; Idle had no traffic."""
    return pd.DataFrame(
        {
            "queue_name": ["Sales - Voice", "Support - Voice", "Idle"],
            "media_type": ["voice", "voice", "voice"],
            "offered": [1000, 3000, 0],
            "answered": [868, 2900, 0],
            "abandoned": [132, 100, 0],
            "asa_seconds": [12.4, 8.0, np.nan],
            "service_level": [0.752, 0.87, np.nan],
            "abandon_rate": [0.132, 100 / 3000, np.nan],
            "goal_service_level": [0.8, 0.8, 0.8],
            "target_seconds": [20.0, 20.0, 20.0],
            "goal_source": ["org", "org", "default"],
            "service_level_gap": [0.752 - 0.8, 0.07, np.nan],
            "met_goal": pd.array([False, True, pd.NA], dtype="boolean"),
            "missed": ["service level", "", ""],
            "queue_id": ["s", "p", "i"],
        }
    )


def test_a_missed_queue_reads_as_achieved_against_goal() -> None:
    row = attainment().iloc[0]
    assert missed_line(row, "Sales - Voice") == (
        "Sales - Voice: 75.2 % in 20 s against 80 %, 13.2 % abandoned, ASA 0:12"
    )


def test_a_goal_from_wfm_says_the_measurement_was_at_the_queues_own_target_time() -> None:
    row = attainment().iloc[0].copy()
    row["goal_source"], row["goal_service_level"], row["target_seconds"] = "wfm", 0.85, 15.0
    assert missed_line(row, "Sales - Voice") == (
        "Sales - Voice: 75.2 % at the queue's own target time against a goal of 85 % in 15 s, "
        "13.2 % abandoned, ASA 0:12"
    )


def test_history_headlines_lead_with_the_window_and_name_the_misses() -> None:
    lines = history_headlines(WINDOW, attainment()).lines()
    assert lines[0] == (
        "History: 28 days, Mon 19 Oct 2026 to Sun 15 Nov 2026 (America/Chicago): "
        "3 queues, 4,000 offered, 5.8 % abandoned"
    )
    assert "1 of 2 queues missed their service goal over the window:" in lines
    assert "  Sales - Voice: 75.2 % in 20 s against 80 %, 13.2 % abandoned, ASA 0:12" in lines
    assert "No traffic to judge: Idle" in lines


def test_goals_say_where_they_came_from_and_flag_the_default() -> None:
    headlines = history_headlines(WINDOW, attainment())
    goals = headlines.items[1]
    assert goals.text == (
        "Goals: 2 from the queues' own settings in the org; 1 from routingkit's default, "
        "80 % in 20 s (no goal configured)"
    )
    assert goals.alert and goals.details == ["Idle: 80 % in 20 s"]


def test_a_window_shorter_than_asked_says_which_queues_and_how_much() -> None:
    short = CoveredWindow(
        start=dt.date(2026, 11, 9),
        end=dt.date(2026, 11, 16),
        requested_start=dt.date(2026, 10, 26),
        days=7,
        requested_days=21,
        time_zone="America/Chicago",
        partial=(("Support - Voice / voice", dt.date(2026, 11, 9), 7),),
    )
    headline = window_headline(short)
    assert "21 days were asked for: the org has no data for part of the range" in headline.text
    assert headline.details == [
        "Support - Voice / voice: data from Mon 9 Nov 2026 only (7 of 21 days)"
    ]
    assert headline.alert


def test_one_day_reads_as_one_day() -> None:
    day = CoveredWindow(
        start=dt.date(2026, 11, 15), end=dt.date(2026, 11, 16),
        requested_start=dt.date(2026, 11, 15), days=1, requested_days=1, time_zone="UTC",
    )  # fmt: skip
    assert window_headline(day).text == "History: 1 day, Sun 15 Nov 2026 (UTC)"


def capacities(staffed: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue_name": ["Sales - Voice", "Support - Voice"],
            "media_type": ["voice", "voice"],
            "goal_service_level": [0.8, 0.8],
            "target_seconds": [20.0, 20.0],
            "goal_source": ["org", "org"],
            "required_agent_hours": [500.0, 1500.0],
            "staffed_agent_hours": staffed,
            "staffed_gap": [(500 - staffed[0]) / 500, (1500 - staffed[1]) / 1500],
        }
    )


def staffing_lines(staffed: list[float], below: int = 0) -> list[str]:
    week = {
        "required_agent_hours": 2000.0,
        "paid_hours": 2000 / 0.7,
        "fte": 2000 / 0.7 / 37.5,
        "staffed_agent_hours": float(sum(staffed)),
        "required_agent_hours_staffed_queues": 2000.0,
        "staffed_gap": (2000 - sum(staffed)) / 2000,
    }
    return staffing_headlines(
        WINDOW, attainment(), capacities(staffed), week, model="erlang_a", shrinkage=0.3,
        hours_per_fte=37.5, below_goal=below, open_intervals=400,
    ).lines()  # fmt: skip


def test_required_against_staffed_says_how_short_over_the_week() -> None:
    lines = staffing_lines([420.0, 1420.0])
    assert (
        "Required (Erlang A) against staffed: 2,000 against 1,840 agent-hours on queue, "
        "8 % short over the week; 2 queues short:"
    ) in lines
    assert "  Sales - Voice: 500 required against 420 staffed agent-hours (16 % short)" in lines


def test_fte_converts_paid_hours_at_the_hours_given() -> None:
    lines = staffing_lines([500.0, 1500.0])
    assert "With 30 % shrinkage: 2,857 paid hours a week, 76.2 FTE at 37.5 hours per FTE" in lines


def test_intervals_predicted_below_goal_are_counted() -> None:
    assert any("3 of 400 open intervals are predicted below goal" in line
               for line in staffing_lines([500.0, 1500.0], below=3))  # fmt: skip
    assert any("every queue is predicted to meet its goal in each of the 400" in line
               for line in staffing_lines([500.0, 1500.0]))  # fmt: skip


def test_headlines_show_as_html_with_alerts_marked() -> None:
    page = history_headlines(WINDOW, attainment())._repr_html_()
    assert "75.2 %" in page and "#b00020" in page and "<script" not in page
