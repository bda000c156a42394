"""The conventions of required/scheduled/staffed agents, on hand-made schedules and statuses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

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
    BusinessUnit,
    BusinessUnitSettings,
    PlanningGroup,
    RoutePath,
    WfmOperationError,
)
from routingkit.policy.workforce import (
    WeekGrid,
    WfmRequirement,
    WorkforceError,
    WorkforceInputs,
    code_queues,
    scheduled_agents,
    staffed_agents,
    week_start_instant,
    workforce_view,
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


# --- local time: weeks with a daylight-saving change --------------------------------------

NEW_YORK, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")
SUNDAY = 6 * 96  # the first interval of the week's Sunday (weeks from Monday)


def _unit(zone: str) -> BusinessUnit:
    settings = BusinessUnitSettings(start_day_of_week="Monday", time_zone=zone)
    return BusinessUnit(id="bu", name="BU", settings=settings)


def _quarters(first: dt.datetime, count: int, status: str = "IDLE") -> list[StatusTime]:
    """``count`` whole 15-minute buckets of real time from ``first``, on queue throughout."""
    first = first.astimezone(UTC)  # real minutes (a zone's arithmetic is the wall clock's)
    return [
        StatusTime(
            "u",
            first + dt.timedelta(minutes=15 * k),
            first + dt.timedelta(minutes=15 * k + 15),
            status,
            900.0,
        )
        for k in range(count)
    ]


def _inputs(
    grid: WeekGrid,
    schedules: list[AgentSchedule],
    statuses: list[StatusTime],
    *,
    zone: str = "UTC",
    read_at: dt.datetime | None = None,
) -> WorkforceInputs:
    return WorkforceInputs(
        business_unit=_unit(zone),
        grid=grid,
        queues={"qa": "Queue A"},
        joined={"u": frozenset({"qa"})},
        planning_groups=[_group("pg", "qa")],
        codes=ON_QUEUE,
        schedules=schedules,
        statuses=statuses,
        wfm=WfmRequirement({}),
        read_at=read_at,
    )


def test_the_week_of_spring_forward_is_167_real_hours_read_on_the_local_clock() -> None:
    # New York, Sunday 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    grid = WeekGrid(week_start_instant(_unit("America/New_York"), dt.date(2026, 3, 2)))
    assert grid.start == dt.datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert grid.end == dt.datetime(2026, 3, 9, 4, tzinfo=UTC)  # local midnight, EDT
    assert grid.end - grid.start == dt.timedelta(hours=167)
    # On queue from 01:30 EST for one real hour: until 03:30 EDT on the local clock.
    begins = dt.datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    assert begins.astimezone(UTC) == dt.datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    schedule = _schedule("u", (begins, 60, "on"))
    joined = {"u": frozenset({"qa"})}
    table = scheduled_agents([schedule], ON_QUEUE, joined, grid, queues=["qa"]).table
    sunday = table.agents[0, SUNDAY : SUNDAY + 16].tolist()
    # 01:30, 01:45 | 02:00-02:45 never happened | 03:00, 03:15 | 03:30, 03:45
    assert sunday == [0] * 6 + [1, 1] + [0] * 4 + [1, 1, 0, 0]
    assert table.agents.sum() == 4.0
    # The platform's buckets are real quarter hours: the same four land in the same slots.
    staffed = staffed_agents(_quarters(begins, 4), joined, grid, queues=["qa"])
    assert staffed.agents[0, SUNDAY : SUNDAY + 16].tolist() == sunday
    # ... which the view labels with their local times, beside the plan's local slots.
    plan = pd.DataFrame(
        {
            "queue_id": "qa",
            "media_type": "voice",
            "weekday": 6,
            "slot_minute": [90, 180],
            "interval_seconds": 900,
            "required_agents": [2.0, 3.0],
        }
    )
    inputs = _inputs(
        grid,
        [schedule],
        _quarters(begins, 4),
        zone="America/New_York",
        read_at=dt.datetime(2026, 3, 10, tzinfo=UTC),
    )
    view = workforce_view(inputs, plan).per_queue.set_index(["weekday", "slot_minute"])
    assert view.loc[(6, 90), ["required", "scheduled", "staffed"]].tolist() == [2.0, 1.0, 1.0]
    assert view.loc[(6, 180), ["required", "scheduled", "staffed"]].tolist() == [3.0, 1.0, 1.0]
    assert view.loc[(6, 120), ["scheduled", "staffed"]].tolist() == [0.0, 0.0]
    assert view.loc[(6, 210), ["scheduled", "staffed"]].tolist() == [0.0, 0.0]


def test_the_week_of_fall_back_is_169_real_hours_and_the_repeated_hour_adds_up() -> None:
    # Berlin, Sunday 25 October 2026: 03:00 CEST goes back to 02:00 CET.
    grid = WeekGrid(week_start_instant(_unit("Europe/Berlin"), dt.date(2026, 10, 19)))
    assert grid.end == dt.datetime(2026, 10, 25, 23, tzinfo=UTC)  # local midnight, CET
    assert grid.end - grid.start == dt.timedelta(hours=169)
    # On queue from 01:30 CEST for 150 real minutes: until 03:00 CET, through 02:00-03:00
    # twice (CEST, then CET).
    begins = dt.datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
    assert begins.astimezone(UTC) == dt.datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    joined = {"u": frozenset({"qa"})}
    table = scheduled_agents(
        [_schedule("u", (begins, 150, "on"))], ON_QUEUE, joined, grid, queues=["qa"]
    ).table
    sunday = table.agents[0, SUNDAY : SUNDAY + 14].tolist()
    # 01:30, 01:45 once | 02:00-02:45 twice (1800 on-queue seconds each) | 03:00 on: none
    assert sunday == [0] * 6 + [1, 1] + [2, 2, 2, 2] + [0, 0]
    assert table.agents.sum() * 900 == 150 * 60  # agent-hours are kept
    staffed = staffed_agents(_quarters(begins, 10), joined, grid, queues=["qa"])
    assert staffed.agents[0, SUNDAY : SUNDAY + 14].tolist() == sunday
    # The last real hour of the week is Sunday 23:00-24:00 CET: the week's last four slots.
    late = dt.datetime(2026, 10, 25, 23, tzinfo=BERLIN)
    staffed = staffed_agents(_quarters(late, 4), joined, grid, queues=["qa"])
    assert staffed.agents[0, -5:].tolist() == [0, 1, 1, 1, 1]


def test_staffed_is_unknown_for_the_intervals_not_over_when_the_status_was_read() -> None:
    # Read on Monday at 12:07: on queue from 08:00 to 12:00, and in the quarter under way.
    statuses = _quarters(GRID.start + dt.timedelta(hours=8), 17)
    inputs = _inputs(
        GRID,
        [_schedule("u", (GRID.start + dt.timedelta(hours=8), 8 * 60, "on"))],
        statuses,
        read_at=GRID.start + dt.timedelta(hours=12, minutes=7),
    )
    view = workforce_view(inputs)
    staffed = view.per_queue["staffed"].to_numpy()
    assert (staffed[:32] == 0).all()  # before 08:00: over, nobody on queue
    assert (staffed[32:48] == 1).all()
    assert np.isnan(staffed[48:]).all()  # 12:00 on: not over when read (not 0)
    assert view.per_queue["scheduled"].iloc[48:64].tolist() == [1.0] * 16  # scheduled known
    assert np.isnan(view.per_group["staffed"].to_numpy()[48:]).all()
    assert any("up to interval 48 of 672" in note for note in view.notes)
    # The summaries count the known intervals only, and show the rest as unknown.
    table = ss.workforce_table(view.per_queue)
    assert table.loc[0, "staffed_agent_hours"] == pytest.approx(4.0)
    assert table.loc[0, "scheduled_agent_hours"] == pytest.approx(8.0)
    comparison = ss.wfm_comparison(view.per_group)
    assert comparison.loc[0, "staffed_agent_hours"] == pytest.approx(4.0)
    # Read later, the rest of that day is over (and empty); the days after it have no status.
    later = workforce_view(_inputs(GRID, [], statuses, read_at=GRID.end + dt.timedelta(days=1)))
    staffed = later.per_queue["staffed"].to_numpy()
    assert (staffed[64:96] == 0).all() and np.isnan(staffed[96:]).all()
    # Read before any status: nothing is known.
    early = workforce_view(_inputs(GRID, [], [], read_at=GRID.start + dt.timedelta(hours=1)))
    assert early.per_queue.empty or early.per_queue["staffed"].isna().all()
