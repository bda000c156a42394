"""Workload files: the interval length is read from the data, bad files are named exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routingkit.capacity import required_agents
from routingkit.policy import WorkloadFileError, read_workload, write_workload
from routingkit.staffing_table import staff_workload


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workload.csv"
    path.write_text(text)
    return path


def test_fifteen_minute_intervals_are_staffed_as_fifteen_minutes(tmp_path: Path) -> None:
    # 100 calls in 15 minutes is twice the rate of 100 calls in 30: 39 agents, not 21.
    path = write(
        tmp_path,
        "queue,interval_start,offered,aht_seconds\n"
        "Q,10:00,100,300\nQ,10:15,100,300\nQ,10:30,100,300\n",
    )
    plan, capacity = staff_workload(path)
    assert capacity.interval_seconds == 900
    expected = required_agents(100 / 900 * 300, 300, 20, 0.8)
    assert plan["erlang_c"].tolist() == [expected] * 3
    assert expected == required_agents(2 * 100 / 1800 * 300, 300, 20, 0.8) > 30


def test_gaps_such_as_closed_hours_are_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "queue,interval_start,offered,aht_seconds\nQ,08:00,10,300\nQ,08:30,10,300\nQ,12:00,10,300\n",
    )
    week, _, _ = read_workload(path)
    assert week["interval_seconds"].unique().tolist() == [1800]


def test_uneven_spacing_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "queue,interval_start,offered,aht_seconds\nQ,08:00,10,300\nQ,08:20,10,300\nQ,08:45,10,300\n",
    )
    with pytest.raises(WorkloadFileError, match=r"not on one 20-minute grid|spacing"):
        read_workload(path)


def test_a_header_only_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,interval_start,offered,aht_seconds\n")
    with pytest.raises(WorkloadFileError, match="header but no rows"):
        read_workload(path)


def test_a_bad_value_names_the_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "queue,interval_start,offered,aht_seconds\nQ,08:00,10,300\nQ,08:30,ten,300\n",
    )
    with pytest.raises(WorkloadFileError, match=r"line 3: offered is 'ten'"):
        read_workload(path)


def test_volume_without_handle_time_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,interval_start,offered,aht_seconds\nQ,08:00,0,\nQ,08:30,5,\n")
    with pytest.raises(WorkloadFileError, match=r"line 3: aht_seconds"):
        read_workload(path)


def test_the_same_interval_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "queue,interval_start,offered,aht_seconds\nQ,08:00,1,300\nQ,08:30,1,300\nQ,08:00,2,300\n",
    )
    with pytest.raises(WorkloadFileError, match="lines 2 and 4"):
        read_workload(path)


def test_a_single_interval_needs_the_length_given(tmp_path: Path) -> None:
    path = write(tmp_path, "queue,interval_start,offered,aht_seconds\nQ,08:00,1,300\n")
    with pytest.raises(WorkloadFileError, match="--interval-minutes"):
        read_workload(path)
    week, _, _ = read_workload(path, interval_minutes=60)
    assert week["arrival_rate"].iloc[0] == 1 / 3600


def test_goals_and_concurrency_come_from_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "queue,media_type,interval_start,offered,aht_seconds,goal,concurrency\n"
        "VIP,call,08:00,10,300,90% in 10s,1\nVIP,call,08:30,10,300,90% in 10s,1\n"
        "Chat,chat,08:00,10,300,80% in 60s,3\nChat,chat,08:30,10,300,,3\n",
    )
    week, goals, concurrency = read_workload(path)
    assert set(week["media_type"]) == {"voice", "chat"}  # call means voice
    assert (
        str(goals[("VIP", "voice")]) == "90% in 10 s" and goals[("VIP", "voice")].source == "file"
    )
    assert concurrency == {"chat": 3, "voice": 1}
    _, capacity = staff_workload(path)
    assert capacity.queue("VIP", "voice").goal.source == "file"


def test_a_written_week_reads_back_identically(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    week = pd.DataFrame(
        {
            "queue_id": "id-1",
            "queue_name": "Support",
            "media_type": "voice",
            "weekday": np.repeat(np.arange(7), 48),
            "slot": np.tile(np.arange(48), 7),
            "slot_minute": np.tile(np.arange(48) * 30, 7),
            "interval_seconds": 1800,
            "arrival_rate": rng.random(336) / 7,
            "aht_seconds": 200 + rng.random(336) * 100,
            "patience_seconds": 133.3,
        }
    )
    path = write_workload(week, tmp_path / "w.csv")
    again, _, _ = read_workload(path)
    for column in week.columns:
        assert again[column].tolist() == week[column].tolist(), column
