"""The conventions of required/scheduled/staffed agents, on hand-made schedules and statuses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from routingkit.genesys import GenesysClient
from routingkit.genesys.analytics import StatusTime
from routingkit.genesys.models import EntityRef
from routingkit.genesys.wfm import (
    ActivityCode,
    AgentSchedule,
    AgentScheduleActivity,
    AgentScheduleShift,
    PlanningGroup,
    RoutePath,
    WfmOperationError,
)
from routingkit.policy.workforce import (
    WeekGrid,
    WorkforceError,
    code_queues,
    scheduled_agents,
    staffed_agents,
)
from routingkit.report import staffing_summary as ss

UTC = dt.timezone.utc
GRID = WeekGrid(dt.datetime(2026, 11, 9, tzinfo=UTC))  # a Monday, 00:00
TEN = GRID.start + dt.timedelta(hours=10)  # interval 40 starts at 10:00


def _group(group_id: str, *queues: str) -> PlanningGroup:
    paths = [RoutePath(queue=EntityRef(id=q), media_type="Voice") for q in queues]
    return PlanningGroup(id=group_id, name=group_id, route_paths=paths)


CODES = [
    ActivityCode(id="on", name="On Queue", category="OnQueueWork"),
    ActivityCode(
        id="on-pg",
        name="On Queue - pg",
        category="OnQueueWork",
        planning_groups=[EntityRef(id="pg")],
    ),
    ActivityCode(id="break", name="Break", category="Break"),
]
ON_QUEUE = code_queues(CODES, [_group("pg", "qa")])


def _schedule(user: str, *activities: tuple[dt.datetime, int, str]) -> AgentSchedule:
    acts = [
        AgentScheduleActivity(start_date=s, length_minutes=m, activity_code_id=c)
        for s, m, c in activities
    ]
    return AgentSchedule(user=EntityRef(id=user), shifts=[AgentScheduleShift(activities=acts)])


def test_on_queue_codes_are_the_on_queue_category_narrowed_to_their_planning_groups() -> None:
    assert {"on": None, "on-pg": frozenset({"qa"})} == ON_QUEUE


def test_an_activity_covering_part_of_an_interval_counts_as_that_fraction() -> None:
    # 10:05 to 10:35: two thirds of 10:00, all of 10:15, a third of 10:30
    schedule = _schedule("u", (TEN + dt.timedelta(minutes=5), 30, "on"))
    table = scheduled_agents(
        [schedule], ON_QUEUE, {"u": frozenset({"qa"})}, GRID, queues=["qa"]
    ).table
    assert table.agents[0, 39:44].tolist() == pytest.approx([0, 2 / 3, 1, 1 / 3, 0])
    assert table.agents.sum() * 900 == pytest.approx(30 * 60)


def test_off_queue_activities_are_not_scheduled_agents() -> None:
    schedule = _schedule("u", (TEN, 15, "break"), (TEN + dt.timedelta(minutes=15), 15, "on"))
    table = scheduled_agents(
        [schedule], ON_QUEUE, {"u": frozenset({"qa"})}, GRID, queues=["qa"]
    ).table
    assert table.agents[0, 40:42].tolist() == [0.0, 1.0]


def test_an_agent_of_two_queues_is_split_counted_in_each_or_left_to_exclusive_agents() -> None:
    schedules = [_schedule("both", (TEN, 15, "on")), _schedule("only-b", (TEN, 15, "on"))]
    joined = {"both": frozenset({"qa", "qb"}), "only-b": frozenset({"qb"})}

    def at_ten(attribution: Any) -> list[float]:
        table = scheduled_agents(
            schedules, ON_QUEUE, joined, GRID, queues=["qa", "qb"], attribution=attribution
        ).table
        return table.agents[:, 40].tolist()

    assert at_ten("split") == [0.5, 1.5]
    assert at_ten("each") == [1.0, 2.0]
    assert at_ten("exclusive") == [0.0, 1.0]


def test_sharing_by_need_sends_a_shared_agent_where_work_is_still_uncovered() -> None:
    schedules = [_schedule("both", (TEN, 15, "on"))]
    joined = {"both": frozenset({"qa", "qb"})}
    need = np.zeros((2, 672))
    need[:, 40] = [3.0, 1.0]  # qa still needs three agents, qb one
    table = scheduled_agents(
        schedules, ON_QUEUE, joined, GRID, queues=["qa", "qb"], attribution="need", need=need
    ).table
    assert table.agents[:, 40].tolist() == [0.75, 0.25]
    need[:, 40] = 0.0  # nobody needs more: shared equally
    table = scheduled_agents(
        schedules, ON_QUEUE, joined, GRID, queues=["qa", "qb"], attribution="need", need=need
    ).table
    assert table.agents[:, 40].tolist() == [0.5, 0.5]


def test_a_planning_group_code_counts_only_for_that_groups_queues() -> None:
    schedules = [_schedule("both", (TEN, 15, "on-pg"))]
    joined = {"both": frozenset({"qa", "qb"})}
    table = scheduled_agents(schedules, ON_QUEUE, joined, GRID, queues=["qa", "qb"]).table
    assert table.agents[:, 40].tolist() == [1.0, 0.0]


def test_staffed_is_on_queue_seconds_over_interval_seconds_where_scheduled() -> None:
    half_hour = [
        StatusTime("u", TEN, TEN + dt.timedelta(minutes=30), "IDLE", 600.0),
        StatusTime("u", TEN, TEN + dt.timedelta(minutes=30), "INTERACTING", 900.0),
        StatusTime("u", TEN, TEN + dt.timedelta(minutes=30), "OFF_QUEUE", 300.0),
    ]
    joined = {"u": frozenset({"qa", "qb"})}
    scheduled = scheduled_agents(
        [_schedule("u", (TEN, 15, "on-pg"))], ON_QUEUE, joined, GRID, queues=["qa", "qb"]
    )
    table = staffed_agents(
        half_hour, joined, GRID, queues=["qa", "qb"], scheduled_for=scheduled.eligible
    )
    # 1500 on-queue seconds over the half hour, spread evenly: 750 s in each quarter hour.
    # The first is scheduled for the planning group's queue alone, the second for neither.
    assert table.agents[:, 40].tolist() == pytest.approx([750 / 900, 0.0])
    assert table.agents[:, 41].tolist() == pytest.approx([750 / 1800, 750 / 1800])


def test_unknown_conventions_are_refused_naming_them() -> None:
    with pytest.raises(WorkforceError, match="attribution 'some'"):
        scheduled_agents([], ON_QUEUE, {}, GRID, queues=["qa"], attribution="some")  # type: ignore[arg-type]
    with pytest.raises(WorkforceError, match="AWAY"):
        staffed_agents([], {}, GRID, queues=["qa"], on_queue=("IDLE", "AWAY"))
    with pytest.raises(WorkforceError, match="time zone"):
        WeekGrid(dt.datetime(2026, 11, 9))


def _client(answer: Any) -> tuple[GenesysClient, list[list[str]]]:
    asked: list[list[str]] = []

    def org(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body["userIds"])
        return httpx.Response(200, json=answer(body["userIds"]))

    client = GenesysClient(
        "https://api.example.test", httpx.BasicAuth("c", "s"), transport=httpx.MockTransport(org)
    )
    return client, asked


def _result(users: list[str]) -> dict[str, Any]:
    return {
        "status": "Complete",
        "result": {
            "agentSchedules": [{"user": {"id": u}, "shifts": []} for u in users],
            "businessUnitTimeZone": "UTC",
        },
    }


def test_a_search_the_platform_works_on_asynchronously_is_asked_again_for_fewer_agents() -> None:
    # The platform answers Processing (and would notify) for big searches: here, over 2 agents.
    client, asked = _client(
        lambda users: _result(users) if len(users) <= 2 else {"status": "Processing"}
    )
    users = [f"u{i}" for i in range(7)]
    found = client.wfm.agent_schedules("bu", TEN, TEN + dt.timedelta(days=1), users)
    assert sorted(s.user.id or "" for s in found.agent_schedules) == users
    # halves until answered: 7 -> 3 (-> 1 + 2) and 4 (-> 2 + 2), each agent answered once
    assert [len(batch) for batch in asked] == [7, 3, 1, 2, 4, 2, 2]


def test_a_failed_schedule_search_says_so() -> None:
    client, _ = _client(lambda users: {"status": "Error", "operationId": "op-1"})
    with pytest.raises(WfmOperationError, match="ended Error"):
        client.wfm.agent_schedules("bu", TEN, TEN + dt.timedelta(days=1), ["u"])


def test_wfm_headlines_say_how_much_more_or_less_wfm_requires() -> None:
    per_group = pd.DataFrame(
        {
            "planning_group": ["Support Voice"] * 2 + ["Email"] * 2 + ["Chat"] * 2,
            "interval_seconds": 900,
            "required": [10.0, 14.0, 4.0, 4.0, 2.0, 2.0],
            "wfm_required": [12.0, 14.0, 3.0, 3.0, np.nan, np.nan],
            "scheduled": [10.0, 14.0, 4.0, 4.0, 2.0, 2.0],
            "staffed": [9.0, 14.0, 4.0, 4.0, 2.0, 2.0],
        }
    )
    comparison = ss.wfm_comparison(per_group).set_index("planning_group")
    # 24 agents of 15 minutes are 6 agent-hours; WFM asks 26, i.e. 6.5: 8.3 % more
    assert comparison.loc["Support Voice", "required_agent_hours"] == 6.0
    assert comparison.loc["Support Voice", "wfm_vs_routingkit"] == pytest.approx(1 / 12)
    assert comparison.loc["Support Voice", "intervals_wfm_higher"] == 1
    assert comparison.loc["Email", "intervals_wfm_lower"] == 2
    lines = ss.wfm_headlines(comparison.reset_index())
    assert lines == [
        "WFM requires 8 % more agent-hours than routingkit for Support Voice (6.5 against 6.0 "
        "agent-hours)",
        "WFM requires 25 % fewer agent-hours than routingkit for Email (1.5 against 2.0 "
        "agent-hours)",
        "Chat: no WFM staffing requirement for the week (no forecast)",
    ]
    without = per_group.assign(wfm_required=np.nan)
    (line,) = ss.wfm_headlines(ss.wfm_comparison(without))
    assert line.startswith("No WFM staffing requirement for the week")
