"""routingkit's typical week pushed to WFM as a short-term forecast, end to end."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import PureCloudPlatformClientV2 as sdk
import pytest
from wfm_helpers import TODAY, WEEK, truth_week

from routingkit.cli import main
from routingkit.genesys import GenesysClient
from routingkit.genesys.models import EntityRef
from routingkit.genesys.wfm import PlanningGroup, RoutePath
from routingkit.policy.wfm_sync import WfmSyncError, forecast_import, with_queue_ids
from routingkit.policy.workload_csv import read_workload

INTERVALS = 7 * 96


def _row(
    queue: str, media: str, weekday: int, minute: int, seconds: int, rate: float, aht: float
) -> dict[str, Any]:
    return {
        "queue_id": queue,
        "queue_name": queue,
        "media_type": media,
        "weekday": weekday,
        "slot_minute": minute,
        "interval_seconds": seconds,
        "arrival_rate": rate,
        "aht_seconds": aht,
    }


def _group(name: str, *paths: tuple[str, str]) -> PlanningGroup:
    return PlanningGroup(
        id=f"pg-{name}",
        name=name,
        route_paths=[RoutePath(queue=EntityRef(id=q), media_type=m) for q, m in paths],
    )


def test_a_half_hour_is_spread_over_its_two_quarter_hours() -> None:
    week = pd.DataFrame([_row("q1", "voice", 0, 9 * 60, 1800, 0.01, 300.0)])
    built = forecast_import(week, [_group("G", ("q1", "Voice"))], description="x")
    (group,) = built.document.planning_groups
    index = 9 * 4  # Monday 09:00 from a Monday week start
    assert group.offered_per_interval[index : index + 2] == [9.0, 9.0]
    assert sum(group.offered_per_interval) == pytest.approx(18.0)
    assert set(group.average_handle_time_seconds_per_interval) == {300.0}


def test_route_paths_add_up_with_the_aht_weighted_by_volume() -> None:
    week = pd.DataFrame(
        [
            _row("q1", "voice", 2, 600, 900, 0.02, 200.0),  # 18 offered at 200 s
            _row("q2", "chat", 2, 600, 900, 0.01, 500.0),  # 9 offered at 500 s
        ]
    )
    built = forecast_import(week, [_group("G", ("q1", "Voice"), ("q2", "Chat"))], description="x")
    (group,) = built.document.planning_groups
    index = 2 * 96 + 40
    assert group.offered_per_interval[index] == pytest.approx(27.0)
    assert group.average_handle_time_seconds_per_interval[index] == pytest.approx(300.0)


def test_the_week_starts_on_the_business_units_day() -> None:
    week = pd.DataFrame([_row("q1", "voice", 0, 0, 900, 0.01, 300.0)])  # Monday 00:00
    built = forecast_import(
        week, [_group("G", ("q1", "Voice"))], start_day_of_week="Sunday", description="x"
    )
    offered = built.document.planning_groups[0].offered_per_interval
    assert offered[96] == pytest.approx(9.0) and offered[0] == 0.0


def test_what_cannot_be_forecast_is_said() -> None:
    week = pd.DataFrame([_row("q1", "voice", 0, 0, 900, 0.01, 300.0)])
    built = forecast_import(
        week,
        [_group("G", ("q1", "Voice"), ("q9", "Email")), _group("Empty", ("q8", "Chat"))],
        description="x",
    )
    assert [g.planning_group_id for g in built.document.planning_groups] == ["pg-G"]
    assert any("no workload for queue q9 (email)" in n for n in built.notes)
    assert any("'Empty': no volume" in n for n in built.notes)
    with pytest.raises(WfmSyncError, match="no planning group has volume"):
        forecast_import(week, [_group("Empty", ("q8", "Chat"))])


def _forecast_id(output: str) -> str:
    found = re.search(r"forecast (\S+) \(", output)
    assert found, output
    return found.group(1)


def _workload_file(truth: dict[str, Any], path: Path) -> Path:
    """The sandbox's true week as a workload file that names its queues only."""
    week = truth_week(truth, names=True)
    frame = pd.DataFrame(
        {
            "queue": week["queue_name"],
            "media_type": week["media_type"],
            "weekday": week["weekday"],
            "interval_start": [f"{m // 60:02d}:{m % 60:02d}" for m in week["slot_minute"]],
            "offered": week["arrival_rate"] * 900,
            "aht_seconds": week["aht_seconds"],
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.mark.usefixtures("org_environment")
def test_push_forecast_reads_back_identical_and_is_staffed(
    client: GenesysClient,
    sdk_client: sdk.ApiClient,
    truth: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workload = _workload_file(truth, tmp_path / "week.csv")
    code = main(["wfm", "push-forecast", "--week", WEEK.isoformat(), "--workload", str(workload)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "6 planning group(s)" in out.out
    forecast_id = _forecast_id(out.out)

    (unit,) = client.wfm.business_units()
    assert unit.id
    groups = client.wfm.planning_groups(unit.id)
    week = with_queue_ids(read_workload(workload)[0], client.queues.list())
    expected = forecast_import(week, groups).document

    reader = sdk.WorkforceManagementApi(sdk_client)
    data = reader.get_workforcemanagement_businessunit_week_shorttermforecast_data(
        unit.id, WEEK.isoformat(), forecast_id
    )
    read = {g.planning_group_id: g for g in data.result.planning_groups}
    assert set(read) == {g.planning_group_id for g in expected.planning_groups}
    for group in expected.planning_groups:
        assert read[group.planning_group_id].offered_per_interval == group.offered_per_interval
        assert (
            read[group.planning_group_id].average_handle_time_seconds_per_interval
            == group.average_handle_time_seconds_per_interval
        )
    staffing = client.wfm.staffing_requirement(unit.id, WEEK, forecast_id)
    required = staffing.per_planning_group()
    assert set(required) == set(read)
    assert all(len(v) == INTERVALS and max(v) > 0 for v in required.values())


@pytest.mark.usefixtures("org_environment")
def test_push_forecast_from_the_orgs_history(
    client: GenesysClient, truth: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "wfm",
            "push-forecast",
            "--week",
            WEEK.isoformat(),
            "--days",
            "7",
            "--end",
            TODAY.isoformat(),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "from the history 2026-11-09 to 2026-11-16 (America/Chicago)" in out.out
    (unit,) = client.wfm.business_units()
    assert unit.id
    data = client.wfm.forecast_data(unit.id, WEEK, _forecast_id(out.out))
    pushed = sum(sum(g.offered_per_interval) for g in data.planning_groups)
    planned = {
        p.queue.id
        for g in client.wfm.planning_groups(unit.id)
        for p in g.route_paths or []
        if p.queue
    }
    expected = sum(
        sum(q["expected_offered_per_weekday"]) for q in truth["queues"] if q["queue_id"] in planned
    )
    assert pushed == pytest.approx(expected, rel=0.1)  # one week of draws against the truth


@pytest.mark.usefixtures("org_environment")
def test_a_week_that_does_not_start_on_the_units_day_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["wfm", "push-forecast", "--week", "2026-11-24"]) == 1
    assert "2026-11-24 is a Tuesday; weeks of business unit 'Contact Centre' start on Monday" in (
        capsys.readouterr().err
    )
    assert main(["wfm", "push-forecast", "--week", "next week"]) == 2
