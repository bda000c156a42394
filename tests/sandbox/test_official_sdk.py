"""The official Genesys SDK, pointed at the sandbox, works end to end and loses nothing.

"Without loss": every response is fetched raw, deserialised by the SDK into its model and
serialised back; the round trip must reproduce the raw JSON, so every field the sandbox sends
is one the SDK knows, with a type it accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from routingkit.sandbox import SandboxServer


@pytest.fixture(scope="module")
def client(org: SandboxServer) -> sdk.ApiClient:
    api_client = sdk.ApiClient(host=org.url)
    return api_client.get_client_credentials_token(org.config.client_id, org.config.client_secret)


class _Raw:
    def __init__(self, text: str) -> None:
        self.data = text

    def getheader(self, name: str, default: Any = None) -> Any:
        return "application/json" if name.lower() == "content-type" else default


def _normalise(value: Any) -> Any:
    """Datetimes compare as instants; everything else as JSON."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def assert_lossless(client: sdk.ApiClient, raw: Any, model: str) -> Any:
    obj = client.deserialize(_Raw(json.dumps(raw)), model)
    back = client.sanitize_for_serialization(obj)
    assert _normalise(back) == _normalise(raw), f"{model} lost or changed fields"
    assert "outdated_sdk_version" not in json.dumps(back)
    return obj


def test_login_and_list_queues(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    listing = routing.get_routing_queues(page_size=5, page_number=1)
    assert listing.total == 12 and len(listing.entities) == 5
    assert listing.next_uri and "pageNumber=2" in listing.next_uri
    raw = api.get("/api/v2/routing/queues", params={"pageSize": 100}).json()
    assert_lossless(client, raw, "QueueEntityListing")
    named = routing.get_routing_queues(name="Support*")
    assert {q.name for q in named.entities} == {
        "Support - Voice",
        "Support - Chat",
        "Support - Email",
    }


def test_queue_create_get_update_delete(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    skills = {
        s.name: s.id for s in sdk.RoutingApi(client).get_routing_skills(page_size=100).entities
    }
    teams = {t.name: t.id for t in sdk.TeamsApi(client).get_teams(page_size=100).entities}
    body = sdk.CreateQueueRequest()
    body.name = f"SDK queue {uuid.uuid4().hex[:8]}"
    body.description = "made by the official SDK"
    ring = sdk.Ring()
    crit = sdk.ExpansionCriterium()
    crit.type = "TIMEOUT_SECONDS"
    crit.threshold = 10
    ring.expansion_criteria = [crit]
    remove = sdk.SkillsToRemove()
    remove.id = skills["Billing"]
    ring.actions = sdk.Actions()
    ring.actions.skills_to_remove = [remove]
    body.bullseye = sdk.Bullseye()
    body.bullseye.rings = [ring, sdk.Ring()]
    group = sdk.MemberGroup()
    group.id = teams["VIP Desk"]
    group.type = "TEAM"
    body.member_groups = [group]
    created = routing.post_routing_queues(body)
    assert created.id and created.name == body.name
    assert created.member_count == 8  # the VIP Desk team joined through the member group
    fetched = routing.get_routing_queue(created.id)
    assert fetched.bullseye.rings[0].actions.skills_to_remove[0].id == skills["Billing"]
    assert_lossless(client, api.get(f"/api/v2/routing/queues/{created.id}").json(), "Queue")

    update = sdk.QueueRequest()
    update.name = fetched.name
    update.media_settings = fetched.media_settings
    update.media_settings.call.service_level.duration_ms = 30000
    updated = routing.put_routing_queue(created.id, update)
    assert updated.media_settings.call.service_level.duration_ms == 30000
    assert updated.bullseye is None  # PUT replaces: the omitted bullseye is gone
    assert updated.member_groups is None and updated.member_count == 0

    routing.delete_routing_queue(created.id)
    with pytest.raises(ApiException) as missing:
        routing.get_routing_queue(created.id)
    assert missing.value.status == 404


def test_members_through_the_sdk(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    queue = routing.get_routing_queues(name="Sales - Voice").entities[0]
    listing = routing.get_routing_queue_members(queue.id, page_size=100)
    assert listing.entities and not hasattr(listing, "total")
    assert_lossless(
        client,
        api.get(
            f"/api/v2/routing/queues/{queue.id}/members",
            params={"pageSize": 100, "expand": "routingStatus"},
        ).json(),
        "QueueMemberEntityListing",
    )
    member = listing.entities[0]
    patch = sdk.QueueMember()
    patch.ring_number = 3
    routing.patch_routing_queue_member(queue.id, member.id, patch)
    again = routing.get_routing_queue_members(queue.id, page_size=100)
    assert next(m for m in again.entities if m.id == member.id).ring_number == 3
    extra = [
        u.id
        for u in sdk.UsersApi(client).get_users(page_size=100).entities
        if u.id not in {m.id for m in again.entities}
    ][:3]
    routing.post_routing_queue_members(queue.id, [{"id": u} for u in extra])
    grown = routing.get_routing_queue(queue.id)
    assert grown.member_count == len(again.entities) + 3
    routing.post_routing_queue_members(queue.id, [{"id": u} for u in extra], delete=True)
    assert routing.get_routing_queue(queue.id).member_count == len(again.entities)


def test_skills_users_and_user_skills(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    users = sdk.UsersApi(client)
    skill = sdk.CreateRoutingSkill()
    skill.name = f"Skill {uuid.uuid4().hex[:6]}"
    made = routing.post_routing_skills(skill)
    assert routing.get_routing_skill(made.id).name == skill.name
    assert_lossless(
        client,
        api.get("/api/v2/routing/skills", params={"pageSize": 100}).json(),
        "SkillEntityListing",
    )
    user = users.get_users(page_size=1).entities[0]
    assert_lossless(client, api.get(f"/api/v2/users/{user.id}").json(), "User")
    post = sdk.UserRoutingSkillPost()
    post.id = made.id
    post.proficiency = 4.5
    added = users.post_user_routingskills(user.id, post)
    assert added.proficiency == 4.5 and added.name == skill.name
    assert_lossless(
        client, api.get(f"/api/v2/users/{user.id}/routingskills").json(), "UserSkillEntityListing"
    )
    search = sdk.UserSearchRequest()
    criterion = sdk.UserSearchCriteria()
    criterion.type = "EXACT"
    criterion.fields = ["routingSkills"]
    criterion.values = [skill.name]
    search.query = [criterion]
    found = users.post_users_search(search)
    assert [u.id for u in found.results] == [user.id]
    users.delete_user_routingskill(user.id, made.id)
    routing.delete_routing_skill(made.id)


def test_utilization_through_the_sdk(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    org_level = routing.get_routing_utilization()
    assert org_level.utilization["chat"].maximum_capacity == 3
    assert_lossless(client, api.get("/api/v2/routing/utilization").json(), "UtilizationResponse")
    user = sdk.UsersApi(client).get_users(page_size=1).entities[0]
    request = sdk.UtilizationRequest()
    chat = sdk.MediaUtilization()
    chat.maximum_capacity = 2
    request.utilization = {"chat": chat}
    answer = routing.put_routing_user_utilization(user.id, request)
    assert answer.level == "Agent" and answer.utilization["chat"].maximum_capacity == 2
    # the media types the PUT omitted took the org's values
    assert answer.utilization["message"].maximum_capacity == 4
    assert_lossless(
        client,
        api.get(f"/api/v2/routing/users/{user.id}/utilization").json(),
        "AgentMaxUtilizationResponse",
    )
    routing.delete_routing_user_utilization(user.id)
    assert routing.get_routing_user_utilization(user.id).level == "Organization"


def test_analytics_aggregates_through_the_sdk(client: sdk.ApiClient, api: httpx.Client) -> None:
    analytics = sdk.AnalyticsApi(client)
    end = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=7)
    query = sdk.ConversationAggregationQuery()
    query.interval = f"{start.isoformat()}/{end.isoformat()}".replace("+00:00", "Z")
    query.granularity = "P1D"
    query.group_by = ["queueId", "mediaType"]
    query.metrics = ["nOffered", "tHandle", "oServiceLevel"]
    result = analytics.post_analytics_conversations_aggregates_query(query)
    assert len(result.results) == 12
    offered = sum(
        m.stats.count
        for r in result.results
        for d in r.data
        for m in d.metrics
        if m.metric == "nOffered"
    )
    assert offered > 1000
    raw = api.post(
        "/api/v2/analytics/conversations/aggregates/query",
        json=client.sanitize_for_serialization(query),
    ).json()
    assert_lossless(client, raw, "ConversationAggregateQueryResponse")


def test_audits_record_sdk_changes(client: sdk.ApiClient, api: httpx.Client) -> None:
    routing = sdk.RoutingApi(client)
    body = sdk.CreateQueueRequest()
    body.name = f"Audited {uuid.uuid4().hex[:8]}"
    queue = routing.post_routing_queues(body)
    now = dt.datetime.now(dt.timezone.utc)
    request = sdk.AuditRealtimeQueryRequest()
    request.interval = (
        f"{(now - dt.timedelta(hours=1)).isoformat()}/{(now + dt.timedelta(minutes=5)).isoformat()}"
    )
    request.service_name = "Routing"
    entity = sdk.AuditQueryFilter()
    entity.pcProperty = "EntityId"
    entity.value = queue.id
    request.filters = [entity]
    found = sdk.AuditApi(client).post_audits_query_realtime(request)
    assert [e.action for e in found.entities] == ["Create"]
    assert found.entities[0].entity_type == "Queue"
    assert found.entities[0].client.id == "routingkit-sandbox"
    raw = api.post(
        "/api/v2/audits/query/realtime", json=client.sanitize_for_serialization(request)
    ).json()
    assert_lossless(client, raw, "AuditRealtimeQueryResultsResponse")
    routing.delete_routing_queue(queue.id)


def test_organization_me_through_the_sdk(
    client: sdk.ApiClient, api: httpx.Client, org: SandboxServer
) -> None:
    from routingkit.sandbox.org import build_org

    me = sdk.OrganizationApi(client).get_organizations_me()
    assert me.id == build_org(org.config.seed).org_id
    assert me.name == "routingkit sandbox org"
    assert me.third_party_org_name == "routingkit-sandbox"
    assert (me.state, me.product_platform) == ("active", "PureCloud")
    assert (me.default_language, me.version) == ("en-us", 1)
    assert me.self_uri == "/api/v2/organizations/me"
    raw = api.get("/api/v2/organizations/me").json()
    assert raw["id"] == me.id and raw["thirdPartyOrgName"] == me.third_party_org_name
    assert_lossless(client, raw, "Organization")
