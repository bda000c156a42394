"""The capacity plan: exact JSON round trip, validation that names the field, atomic files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routingkit.capacity import scheduled_agents
from routingkit.policy import (
    CapacityPlan,
    CapacityPlanError,
    GoalOverrides,
    HistoryWindow,
    OrgRef,
    StaffingOptions,
    build_capacity_plan,
    required_staffing,
    resolve_goals,
)


def staffing() -> pd.DataFrame:
    slots = np.arange(16, 40)
    rate = 0.02 + 0.08 * np.sin((slots - 16) / 24 * np.pi)
    frames = []
    for qid, name, media, patience in (
        ("11111111-0000-0000-0000-000000000001", "Support - Voice", "voice", 150.0),
        ("11111111-0000-0000-0000-000000000002", "VIP - Voice", "voice", np.inf),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "queue_id": qid,
                    "queue_name": name,
                    "media_type": media,
                    "weekday": 2,
                    "slot": slots,
                    "slot_minute": slots * 30,
                    "interval_seconds": 1800,
                    "arrival_rate": rate,
                    "aht_seconds": 275.5,
                    "patience_seconds": patience,
                }
            )
        )
    week = pd.concat(frames, ignore_index=True)
    goals = resolve_goals(
        week, overrides=GoalOverrides.from_parameters(None, {"VIP - Voice": "90% in 10s"})
    )
    return required_staffing(week, goals)


@pytest.fixture(scope="module")
def plan() -> CapacityPlan:
    return build_capacity_plan(
        staffing(),
        StaffingOptions(shrinkage=0.35),
        org=OrgRef(id="org-1", name="Example", api_url="https://api.mypurecloud.ie"),
        history=HistoryWindow(
            start="2026-10-19", end="2026-11-16", time_zone="Europe/Dublin", granularity="PT30M"
        ),
    )


def test_the_plan_records_goals_staffing_and_predicted_service(plan: CapacityPlan) -> None:
    vip = plan.queue("11111111-0000-0000-0000-000000000002", "voice")
    assert (vip.goal.service_level, vip.goal.target_seconds, vip.goal.source) == (
        0.9,
        10,
        "override",
    )
    support = plan.queue("11111111-0000-0000-0000-000000000001", "voice")
    assert support.goal.source == "default" and support.patience_seconds == 150.0
    assert vip.patience_seconds is None  # nobody abandons: no patience recorded
    for queue in plan.queues:
        for interval in queue.intervals:
            assert interval.rostered_agents == scheduled_agents(interval.required_agents, 0.35)
            if interval.arrival_rate > 0:
                assert interval.service_level >= queue.goal.service_level


def test_json_round_trips_exactly(plan: CapacityPlan, tmp_path: Path) -> None:
    first = plan.save(tmp_path / "a")[0]
    loaded = CapacityPlan.load(first)
    assert loaded == plan
    second = loaded.save(tmp_path / "b")[0]
    assert second.read_bytes() == first.read_bytes()


def test_the_csv_has_one_row_per_queue_and_interval(plan: CapacityPlan, tmp_path: Path) -> None:
    csv = pd.read_csv(plan.save(tmp_path)[1])
    assert len(csv) == sum(len(q.intervals) for q in plan.queues)
    assert {"queue_id", "required_agents", "rostered_agents", "service_level"} <= set(csv.columns)


def edited(plan: CapacityPlan, tmp_path: Path, change: object) -> Path:
    path = plan.save(tmp_path)[0]
    raw = json.loads(path.read_text())
    change(raw)  # type: ignore[operator]
    path.write_text(json.dumps(raw))
    return path


def test_a_bad_hand_edit_is_named_by_its_field_path_and_queue(
    plan: CapacityPlan, tmp_path: Path
) -> None:
    def negative(raw: dict) -> None:
        raw["queues"][1]["intervals"][3]["required_agents"] = -2

    with pytest.raises(CapacityPlanError) as caught:
        CapacityPlan.load(edited(plan, tmp_path, negative))
    message = str(caught.value)
    assert "queues[1].intervals[3].required_agents [VIP - Voice / voice]" in message
    assert "greater than or equal to 0" in message and "found -2" in message


def test_rostered_below_required_is_refused(plan: CapacityPlan, tmp_path: Path) -> None:
    def short(raw: dict) -> None:
        raw["queues"][0]["intervals"][5]["rostered_agents"] = 0
        raw["queues"][0]["intervals"][5]["required_agents"] = 4

    with pytest.raises(CapacityPlanError, match=r"queues\[0\]\.intervals\[5\].*below required"):
        CapacityPlan.load(edited(plan, tmp_path, short))


def test_an_unknown_field_is_refused(plan: CapacityPlan, tmp_path: Path) -> None:
    def typo(raw: dict) -> None:
        raw["queues"][0]["goal"]["servicelevel"] = 0.8

    with pytest.raises(CapacityPlanError, match=r"queues\[0\]\.goal\.servicelevel"):
        CapacityPlan.load(edited(plan, tmp_path, typo))


def test_a_newer_schema_version_says_to_upgrade(plan: CapacityPlan, tmp_path: Path) -> None:
    def newer(raw: dict) -> None:
        raw["schema_version"] = 7

    with pytest.raises(CapacityPlanError, match=r"schema_version 7.*upgrade routingkit"):
        CapacityPlan.load(edited(plan, tmp_path, newer))


def test_a_missing_or_broken_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CapacityPlanError, match="02_staffing"):
        CapacityPlan.load(tmp_path / "nothing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"queues": [')
    with pytest.raises(CapacityPlanError, match="is not JSON"):
        CapacityPlan.load(broken)


def test_a_failed_save_leaves_the_previous_plan_whole(
    plan: CapacityPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = plan.save(tmp_path)[0]
    before = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("routingkit.policy.capacity_plan.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        plan.model_copy(update={"interval_seconds": 1800}).save(tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capacity_plan.csv", "capacity_plan.json"]
