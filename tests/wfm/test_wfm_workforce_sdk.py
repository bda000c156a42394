"""The sandbox's schedules, activity codes and user aggregates, read by the official SDK
unchanged, and read the same by routingkit's client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from wfm_helpers import TODAY, assert_lossless, queue_ids

from routingkit.genesys import GenesysClient

BASE = "/api/v2/workforcemanagement/businessunits"
USERS = "/api/v2/analytics/users/aggregates/query"
DAY = TODAY - dt.timedelta(days=7)  # Monday 9 November 2026, inside the history
ZONE = "America/Chicago"


@pytest.fixture(scope="module")
def wfm(sdk_client: sdk.ApiClient) -> sdk.WorkforceManagementApi:
    return sdk.WorkforceManagementApi(sdk_client)


@pytest.fixture(scope="module")
def bu_id(wfm: sdk.WorkforceManagementApi) -> str:
    return str(wfm.get_workforcemanagement_businessunits().entities[0].id)


@pytest.fixture(scope="module")
def agents(sdk_client: sdk.ApiClient, truth: dict[str, Any]) -> list[str]:
    """Three joined members of VIP - Voice (a queue whose agents serve it alone)."""
    members = sdk.RoutingApi(sdk_client).get_routing_queue_members(
        queue_ids(truth)["VIP - Voice"], joined=True, page_size=100
    )
    return sorted(m.id for m in members.entities)[:3]


def _local(day: dt.date, hour: int = 0) -> str:
    from zoneinfo import ZoneInfo

    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(ZONE))
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_the_sdk_reads_the_activity_codes_and_their_planning_groups(
    wfm: sdk.WorkforceManagementApi, sdk_client: sdk.ApiClient, api: httpx.Client, bu_id: str
) -> None:
    codes = wfm.get_workforcemanagement_businessunit_activitycodes(bu_id).entities
    on_queue = {c.name: c for c in codes if c.category == "OnQueueWork"}
    assert "On Queue" in on_queue and not on_queue["On Queue"].planning_groups
    groups = {
        g.id: g.name
        for g in wfm.get_workforcemanagement_businessunit_planninggroups(bu_id).entities
    }
    vip = on_queue["On Queue - VIP"]
    assert [groups[g.id] for g in vip.planning_groups] == ["VIP"]
    assert {c.category for c in codes} >= {"Break", "Meal", "OffQueueWork"}
    assert_lossless(
        sdk_client,
        api.get(f"{BASE}/{bu_id}/activitycodes").json(),
        "BusinessUnitActivityCodeListing",
    )


def test_the_sdk_reads_published_schedules_as_routingkit_does(
    wfm: sdk.WorkforceManagementApi,
    sdk_client: sdk.ApiClient,
    api: httpx.Client,
    client: GenesysClient,
    bu_id: str,
    agents: list[str],
) -> None:
    body = sdk.BuSearchAgentSchedulesRequest()
    body.start_date = dt.datetime.fromisoformat(_local(DAY).replace("Z", "+00:00"))
    body.end_date = body.start_date + dt.timedelta(days=1)
    answer = wfm.post_workforcemanagement_businessunit_agentschedules_search(bu_id, body)
    assert answer.status == "Complete"
    by_sdk = {s.user.id: s for s in answer.result.agent_schedules}
    assert answer.result.business_unit_time_zone == ZONE
    assert [p.week_date for p in answer.result.published_schedules] == [DAY]
    raw = api.post(
        f"{BASE}/{bu_id}/agentschedules/search",
        json={
            "startDate": _local(DAY),
            "endDate": _local(DAY + dt.timedelta(days=1)),
            "userIds": agents,
        },
    ).json()
    assert_lossless(sdk_client, raw, "BuAsyncAgentSchedulesSearchResponse")
    ours = client.wfm.agent_schedules(bu_id, body.start_date, body.end_date, agents).agent_schedules
    assert sorted(s.user.id or "" for s in ours) == agents  # VIP agents all work on Mondays
    codes = {c.id: c.name for c in client.wfm.activity_codes(bu_id)}
    for schedule in ours:
        theirs = by_sdk[schedule.user.id]
        assert [(s.start_date, s.length_minutes) for s in schedule.shifts] == [
            (s.start_date, s.length_minutes) for s in theirs.shifts
        ]
        (shift,) = schedule.shifts  # one shift a day, its activities end to end
        ends = [a.start_date + dt.timedelta(minutes=a.length_minutes) for a in shift.activities]
        assert [a.start_date for a in shift.activities[1:]] == ends[:-1]
        assert sum(a.length_minutes for a in shift.activities) == shift.length_minutes
        assert "On Queue - VIP" in {codes[a.activity_code_id] for a in shift.activities}


def test_a_big_schedule_search_is_asynchronous_and_smaller_ones_are_answered(
    sdk_client: sdk.ApiClient, api: httpx.Client, client: GenesysClient, bu_id: str
) -> None:
    window = {"startDate": _local(DAY), "endDate": _local(DAY + dt.timedelta(days=8))}
    raw = api.post(f"{BASE}/{bu_id}/agentschedules/search", json=window).json()  # everyone
    assert raw["status"] == "Processing" and raw["operationId"] and "result" not in raw
    assert_lossless(sdk_client, raw, "BuAsyncAgentSchedulesSearchResponse")
    forced = api.post(
        f"{BASE}/{bu_id}/agentschedules/search",
        params={"forceAsync": "true"},
        json={**window, "userIds": ["someone"]},
    ).json()
    assert forced["status"] == "Processing"
    members = {m.id or "" for q in client.queues.list() for m in client.queues.members(q.id or "")}
    start = dt.datetime.fromisoformat(window["startDate"].replace("Z", "+00:00"))
    # routingkit's client asks again for fewer agents until the sandbox answers at once
    found = client.wfm.agent_schedules(bu_id, start, start + dt.timedelta(days=8), members)
    returned = [s.user.id for s in found.agent_schedules]
    assert len(returned) == len(set(returned)) > 100 and set(returned) <= members


def test_the_sdk_reads_user_aggregates_as_routingkit_does(
    sdk_client: sdk.ApiClient, api: httpx.Client, client: GenesysClient, agents: list[str]
) -> None:
    interval = f"{_local(DAY)}/{_local(DAY + dt.timedelta(days=1))}"
    query = sdk.UserAggregationQuery()
    query.interval = interval
    query.granularity = "PT15M"
    query.group_by = ["userId"]
    query.metrics = ["tAgentRoutingStatus"]
    query.filter = sdk.UserAggregateQueryFilter()
    query.filter.type = "or"
    predicates = []
    for user in agents:
        predicate = sdk.UserAggregateQueryPredicate()
        predicate.dimension = "userId"
        predicate.value = user
        predicates.append(predicate)
    query.filter.predicates = predicates
    answer = sdk.AnalyticsApi(sdk_client).post_analytics_users_aggregates_query(query)
    assert sorted(r.group["userId"] for r in answer.results) == agents
    raw = api.post(USERS, json=sdk_client.sanitize_for_serialization(query)).json()
    assert_lossless(sdk_client, raw, "UserAggregateQueryResponse")
    sdk_seconds: dict[tuple[str, str], float] = {}
    for result in answer.results:
        for data in result.data:
            logged_in = sum(m.stats.sum for m in data.metrics) / 1000
            assert logged_in == pytest.approx(900)  # a logged-in agent's 15 minutes, all told
            for metric in data.metrics:
                key = (result.group["userId"], metric.qualifier)
                sdk_seconds[key] = sdk_seconds.get(key, 0.0) + metric.stats.sum / 1000
    assert {status for _, status in sdk_seconds} <= {
        "IDLE",
        "INTERACTING",
        "NOT_RESPONDING",
        "OFF_QUEUE",
    }
    start, end = (dt.datetime.fromisoformat(t.replace("Z", "+00:00")) for t in interval.split("/"))
    ours: dict[tuple[str, str], float] = {}
    for row in client.analytics.routing_status_time(agents, start, end, time_zone=ZONE):
        key = (row.user_id, row.routing_status)
        ours[key] = ours.get(key, 0.0) + row.seconds
    assert ours == pytest.approx(sdk_seconds)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"groupBy": ["routingStatus"]}, "groupBy"),
        ({"metrics": ["tSystemPresence"]}, "metrics"),
        ({"metrics": ["tOffered"]}, "metrics"),
        ({"interval": "2026-11-09/2026-11-10"}, "interval"),
        (
            {"filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": "q"}]}},
            "filter.predicates[0].dimension",
        ),
    ],
)
def test_a_user_aggregate_query_the_sandbox_cannot_answer_is_refused_naming_the_field(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    query = {
        "interval": f"{_local(DAY)}/{_local(DAY + dt.timedelta(days=1))}",
        "groupBy": ["userId"],
        "metrics": ["tAgentRoutingStatus"],
        **body,
    }
    answer = api.post(USERS, json=query)
    assert answer.status_code == 400, answer.text
    assert field in answer.text


def test_schedule_searches_are_checked(
    wfm: sdk.WorkforceManagementApi, api: httpx.Client, bu_id: str
) -> None:
    body = sdk.BuSearchAgentSchedulesRequest()
    body.start_date = dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc)
    body.end_date = body.start_date - dt.timedelta(hours=1)
    with pytest.raises(ApiException) as refused:
        wfm.post_workforcemanagement_businessunit_agentschedules_search(bu_id, body)
    assert refused.value.status == 400 and "endDate must be after startDate" in refused.value.body
    missing = api.post(f"{BASE}/no-such-unit/agentschedules/search", json={})
    assert missing.status_code == 404 and "Business unit no-such-unit" in missing.text
    no_start = api.post(f"{BASE}/{bu_id}/agentschedules/search", json={"endDate": _local(DAY)})
    assert no_start.status_code == 400 and "startDate" in no_start.text
    assert api.get(f"{BASE}/no-such-unit/activitycodes").status_code == 404


@pytest.mark.parametrize("path", [f"{BASE}/mine/agentschedules/search", USERS])
@pytest.mark.parametrize(
    "body",
    [b'{"startDate": "2026-11', b"[]", b'{"interval": NaN}', b"", b'"text"'],
    ids=["truncated", "array", "NaN", "empty", "string"],
)
def test_a_broken_body_is_refused_with_the_genesys_error(
    api: httpx.Client, path: str, body: bytes
) -> None:
    answer = api.post(path, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["code"] == "bad.request" and error["status"] == 400
    assert error["contextId"] == answer.headers["inin-correlation-id"]
