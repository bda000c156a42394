"""The sandbox refuses what a real org refuses, and answers what a real org answers.

Queue fields the platform's queue does not have, conditional routing rule 1's queue, an
agent's utilization override, teams and skill groups as member groups of their own, audit names
as the SDK spells them, and no bound without a source.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest

from routingkit.sandbox import SandboxServer
from routingkit.sandbox.org import TEAMS, build_org


def _queue(api: httpx.Client, name: str) -> dict[str, Any]:
    (queue,) = api.get("/api/v2/routing/queues", params={"name": name}).json()["entities"]
    return queue  # type: ignore[no-any-return]


def _names(api: httpx.Client, path: str) -> dict[str, str]:
    return {e["name"]: e["id"] for e in api.get(path, params={"pageSize": 100}).json()["entities"]}


def _refused(response: httpx.Response, field: str) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "bad.request"
    assert field in body["message"] and body["details"][0]["fieldName"] == field, body
    return str(body["message"])


@pytest.fixture()
def scratch(api: httpx.Client) -> Iterator[dict[str, Any]]:
    made = api.post("/api/v2/routing/queues", json={"name": f"Rules {uuid.uuid4().hex[:8]}"})
    assert made.status_code == 200, made.text
    yield made.json()
    api.delete(f"/api/v2/routing/queues/{made.json()['id']}")


def _writable(queue: dict[str, Any]) -> dict[str, Any]:
    from routingkit.vocabulary import writable_queue

    return writable_queue(queue)


# --- queue fields ------------------------------------------------------------------------------


def test_a_put_with_a_field_the_queue_does_not_have_is_refused_naming_it(
    api: httpx.Client, scratch: dict[str, Any]
) -> None:
    path = f"/api/v2/routing/queues/{scratch['id']}"
    message = _refused(api.put(path, json={"name": scratch["name"], "capacity": 5}), "capacity")
    assert "no such field" in message
    assert "capacity" not in api.get(path).json()  # nothing stored, nothing echoed


def test_a_create_with_a_field_the_queue_does_not_have_is_refused(api: httpx.Client) -> None:
    name = f"Versioned {uuid.uuid4().hex[:8]}"
    _refused(api.post("/api/v2/routing/queues", json={"name": name, "version": 3}), "version")
    assert api.get("/api/v2/routing/queues", params={"name": name}).json()["entities"] == []


def test_every_field_the_platform_has_is_accepted_back(api: httpx.Client) -> None:
    """What a GET returns (rule 1's queue aside) goes back in a PUT unchanged."""
    support = _queue(api, "Support - Voice")
    answer = api.put(f"/api/v2/routing/queues/{support['id']}", json=support)
    assert answer.status_code == 200, answer.text
    assert answer.json()["bullseye"] == support["bullseye"]


# --- conditional group routing rule 1 -------------------------------------------------------


def test_rule_one_comes_back_naming_the_queue_itself(api: httpx.Client) -> None:
    sales = _queue(api, "Sales - Voice")
    got = api.get(f"/api/v2/routing/queues/{sales['id']}").json()
    for body in (sales, got):
        first, second = body["conditionalGroupRouting"]["rules"]
        assert first["queue"]["id"] == sales["id"]
        assert second["queue"]["id"] == _queue(api, "Sales - Overflow")["id"]


def test_a_put_sending_rule_one_queue_back_is_refused_naming_it(api: httpx.Client) -> None:
    sales = _queue(api, "Sales - Voice")
    path = f"/api/v2/routing/queues/{sales['id']}"
    message = _refused(api.put(path, json=sales), "conditionalGroupRouting.rules[0].queue")
    assert "leave its queue out" in message
    cleared = _writable(sales)
    answer = api.put(path, json=cleared)
    assert answer.status_code == 200, answer.text
    assert answer.json()["conditionalGroupRouting"]["rules"][0]["queue"]["id"] == sales["id"]


# --- utilization -------------------------------------------------------------------------------


def test_an_agents_put_takes_the_orgs_values_for_the_media_it_omits(api: httpx.Client) -> None:
    org_level = api.get("/api/v2/routing/utilization").json()["utilization"]
    # the seeded org lets calls interrupt email, which the platform default does not
    assert org_level["email"]["interruptableMediaTypes"]
    user = api.get("/api/v2/users", params={"pageSize": 1}).json()["entities"][0]
    path = f"/api/v2/routing/users/{user['id']}/utilization"
    try:
        body = {"utilization": {"chat": {"maximumCapacity": 2}}}
        answer = api.put(path, json=body).json()
        assert answer["level"] == "Agent"
        assert answer["utilization"]["chat"]["maximumCapacity"] == 2
        for key in ("call", "callback", "email", "message"):
            assert answer["utilization"][key] == org_level[key], key
        assert api.get(path).json()["utilization"] == answer["utilization"]
    finally:
        api.delete(path)
    assert api.get(path).json()["level"] == "Organization"


# --- teams and skill groups --------------------------------------------------------------------


def test_the_seeded_queues_team_groups_are_real_teams(
    api: httpx.Client, org: SandboxServer
) -> None:
    teams = _names(api, "/api/v2/teams")
    groups = _names(api, "/api/v2/groups")
    skill_groups = _names(api, "/api/v2/routing/skillgroups")
    assert set(teams) == set(TEAMS) and not set(teams.values()) & set(groups.values())
    seen = {"TEAM": 0, "SKILLGROUP": 0}
    queues = api.get("/api/v2/routing/queues", params={"pageSize": 100}).json()["entities"]
    for queue in queues:
        rings = (queue.get("bullseye") or {}).get("rings") or []
        rules = (queue.get("conditionalGroupRouting") or {}).get("rules") or []
        refs = [g for r in rings for g in r.get("memberGroups") or []]
        refs += [g for r in rules for g in r.get("groups") or []]
        for ref in refs:
            kind = {"TEAM": teams, "SKILLGROUP": skill_groups, "GROUP": groups}[ref["type"]]
            assert ref["id"] in kind.values(), (queue["name"], ref)
            seen[ref["type"]] = seen.get(ref["type"], 0) + 1
    assert seen["TEAM"] >= 3 and seen["SKILLGROUP"] >= 1
    assert teams["Sales Team"] == build_org(org.config.seed).team_ids["Sales Team"]


def test_a_group_named_as_a_team_is_refused(api: httpx.Client, scratch: dict[str, Any]) -> None:
    group = _names(api, "/api/v2/groups")["VIP Desk"]
    body = {"name": scratch["name"], "memberGroups": [{"id": group, "type": "TEAM"}]}
    message = _refused(
        api.put(f"/api/v2/routing/queues/{scratch['id']}", json=body), "memberGroups[0].id"
    )
    assert "team" in message and "does not exist" in message


@pytest.mark.parametrize(
    ("path", "kind"), [("/api/v2/teams", "TEAM"), ("/api/v2/routing/skillgroups", "SKILLGROUP")]
)
def test_a_member_group_brings_its_members_into_the_queue(
    api: httpx.Client, scratch: dict[str, Any], path: str, kind: str
) -> None:
    entities = api.get(path).json()["entities"]
    group = entities[0]
    members = api.get(f"{path}/{group['id']}/members", params={"pageSize": 500}).json()["entities"]
    body = {"name": scratch["name"], "memberGroups": [{"id": group["id"], "type": kind}]}
    answer = api.put(f"/api/v2/routing/queues/{scratch['id']}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["memberCount"] == len(members) == group["memberCount"] > 0


def test_team_listings_page_with_cursors_and_no_totals(api: httpx.Client) -> None:
    seen: list[str] = []
    page = api.get("/api/v2/teams", params={"pageSize": 3}).json()
    while True:
        assert set(page) <= {"entities", "nextUri", "selfUri", "previousUri"}
        seen += [t["name"] for t in page["entities"]]
        if "nextUri" not in page:
            break
        page = api.get(page["nextUri"]).json()
    assert seen == sorted(TEAMS, key=str.casefold)
    bad = api.get("/api/v2/teams", params={"after": "not-a-cursor"})
    assert bad.status_code == 400 and "after" in bad.json()["message"]


def test_teams_and_skill_groups_round_trip_through_the_official_sdk(
    org: SandboxServer, api: httpx.Client
) -> None:
    from test_official_sdk import assert_lossless

    client = sdk.ApiClient(host=org.url).get_client_credentials_token(
        org.config.client_id, org.config.client_secret
    )
    listing = sdk.TeamsApi(client).get_teams(page_size=3)
    assert len(listing.entities) == 3 and "after=" in listing.next_uri
    team = listing.entities[0]
    assert_lossless(
        client, api.get("/api/v2/teams", params={"pageSize": 3}).json(), "TeamEntityListing"
    )
    assert_lossless(client, api.get(f"/api/v2/teams/{team.id}").json(), "Team")
    assert_lossless(
        client, api.get(f"/api/v2/teams/{team.id}/members").json(), "TeamMemberEntityListing"
    )
    routing = sdk.RoutingApi(client)
    group = routing.get_routing_skillgroups(page_size=100).entities[0]
    assert routing.get_routing_skillgroup(group.id).skill_conditions
    assert_lossless(
        client, api.get("/api/v2/routing/skillgroups").json(), "SkillGroupEntityListing"
    )
    assert_lossless(client, api.get(f"/api/v2/routing/skillgroups/{group.id}").json(), "SkillGroup")
    assert_lossless(
        client,
        api.get(f"/api/v2/routing/skillgroups/{group.id}/members").json(),
        "SkillGroupMemberEntityListing",
    )


# --- audit names -------------------------------------------------------------------------------


def _audits(api: httpx.Client, entity_id: str) -> list[dict[str, Any]]:
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    interval = (
        f"{(now - dt.timedelta(hours=1)).isoformat()}/{(now + dt.timedelta(hours=1)).isoformat()}"
    )
    body = {
        "interval": interval,
        "serviceName": "Routing",
        "filters": [{"property": "EntityId", "value": entity_id}],
        "pageSize": 100,
    }
    return api.post("/api/v2/audits/query/realtime", json=body).json()["entities"]  # type: ignore[no-any-return]


def test_audit_entity_types_and_actions_are_the_sdks(
    api: httpx.Client, scratch: dict[str, Any]
) -> None:
    users = api.get("/api/v2/users", params={"pageSize": 2}).json()["entities"]
    user = users[0]["id"]
    members = f"/api/v2/routing/queues/{scratch['id']}/members"
    api.post(members, json=[{"id": user}])
    api.patch(f"{members}/{user}", json={"ringNumber": 2})
    api.post(members, params={"delete": "true"}, json=[{"id": user}])
    skill = api.post(
        "/api/v2/routing/skills", json={"name": f"Audited {uuid.uuid4().hex[:6]}"}
    ).json()
    api.post(
        f"/api/v2/users/{users[1]['id']}/routingskills", json={"id": skill["id"], "proficiency": 3}
    )
    api.delete(f"/api/v2/users/{users[1]['id']}/routingskills/{skill['id']}")
    api.delete(f"/api/v2/routing/skills/{skill['id']}")

    queue_actions = [(e["entityType"], e["action"]) for e in _audits(api, scratch["id"])]
    assert queue_actions == [
        ("Queue", "Create"),
        ("Queue", "MemberAdd"),
        ("Queue", "MemberUpdate"),
        ("Queue", "MemberRemove"),
    ]
    assert {(e["entityType"], e["action"]) for e in _audits(api, skill["id"])} == {
        ("RoutingSkill", "Create"),
        ("RoutingSkill", "Delete"),
    }
    assert {e["entityType"] for e in _audits(api, users[1]["id"])} == {"AgentRoutingInfo"}
    enums = sdk.AuditTopicAuditLogMessage()
    for entity_type, action in queue_actions:
        enums.entity_type = entity_type  # the SDK's setter checks its enum
        enums.action = action
        assert enums.entity_type == entity_type and enums.action == action


# --- limits ------------------------------------------------------------------------------------


def test_a_preferred_agent_threshold_has_no_invented_range(
    api: httpx.Client, scratch: dict[str, Any]
) -> None:
    """Neither the SDK nor the Terraform provider bounds it ("generally an agent score")."""
    rules = [{"operator": "MEETS_THRESHOLD", "threshold": 50, "waitSeconds": 10}]
    body = {"name": scratch["name"], "routingRules": rules}
    answer = api.put(f"/api/v2/routing/queues/{scratch['id']}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["routingRules"][0]["threshold"] == 50
