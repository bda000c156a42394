"""Queue, member and utilization rules the platform enforces, as the sandbox must."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest


def _queue(api: httpx.Client, name: str) -> dict[str, Any]:
    listing = api.get("/api/v2/routing/queues", params={"name": name}).json()
    (queue,) = listing["entities"]
    return queue  # type: ignore[no-any-return]


def _ids(api: httpx.Client, path: str) -> dict[str, str]:
    entities = api.get(path, params={"pageSize": 500}).json()["entities"]
    return {e["name"]: e["id"] for e in entities}


@pytest.fixture()
def scratch(api: httpx.Client) -> Any:
    """A queue of the test's own, deleted afterwards."""
    made = api.post("/api/v2/routing/queues", json={"name": f"Scratch {uuid.uuid4().hex[:8]}"})
    assert made.status_code == 200, made.text
    yield made.json()
    api.delete(f"/api/v2/routing/queues/{made.json()['id']}")


def _assert_400(response: httpx.Response, *fragments: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "bad.request" and body["status"] == 400
    assert body["contextId"] == response.headers["inin-correlation-id"]
    for fragment in fragments:
        assert fragment in body["message"], body["message"]


def test_put_replaces_the_whole_queue(api: httpx.Client) -> None:
    support = _queue(api, "Support - Voice")
    assert support["bullseye"]["rings"] and support["mediaSettings"]["call"]
    copy_name = f"Replace {uuid.uuid4().hex[:6]}"
    made = api.post(
        "/api/v2/routing/queues", json={"sourceQueueId": support["id"], "name": copy_name}
    ).json()
    assert made["bullseye"] == support["bullseye"]
    body = {"name": copy_name, "description": "only a description now"}
    put = api.put(f"/api/v2/routing/queues/{made['id']}", json=body)
    assert put.status_code == 200
    after = api.get(f"/api/v2/routing/queues/{made['id']}").json()
    for cleared in ("bullseye", "mediaSettings", "acwSettings", "memberGroups"):
        assert cleared not in after, cleared
    assert after["description"] == "only a description now"
    assert after["dateCreated"] == made["dateCreated"]
    assert after["dateModified"] >= made["dateModified"]
    assert after["modifiedBy"] == "routingkit-sandbox"
    api.delete(f"/api/v2/routing/queues/{made['id']}")


def test_read_only_fields_sent_back_are_ignored(api: httpx.Client, scratch: dict) -> None:
    body = {**scratch, "memberCount": 99, "dateCreated": "2001-01-01T00:00:00.000Z"}
    after = api.put(f"/api/v2/routing/queues/{scratch['id']}", json=body).json()
    assert after["memberCount"] == 0 and after["dateCreated"] == scratch["dateCreated"]


@pytest.mark.parametrize(
    ("patch", "fragments"),
    [
        ({"skillEvaluationMethod": "SOME"}, ("skillEvaluationMethod",)),
        ({"scoringMethod": "Random"}, ("scoringMethod",)),
        ({"routingRules": [{"operator": "ANY", "waitSeconds": 5}] * 7}, ("at most 6",)),
        ({"routingRules": [{"operator": "SOMETIMES"}]}, ("routingRules[0].operator",)),
        ({"bullseye": {"rings": [{}]}}, ("bullseye.rings", "2 to 6")),
        (
            {
                "bullseye": {
                    "rings": [{"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 5}]}]
                    * 7
                }
            },
            ("2 to 6",),
        ),
        (
            {
                "bullseye": {
                    "rings": [
                        {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 30}]},
                        {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 0}]},
                        {},
                    ]
                }
            },
            ("must be a positive number of seconds",),
        ),
        ({"conditionalGroupRouting": {"rules": []}}, ("1 to 5",)),
        (
            {"mediaSettings": {"call": {"alertingTimeoutSeconds": 5}}},
            ("mediaSettings.call.alertingTimeoutSeconds", "outside 7"),
        ),
        (
            {"mediaSettings": {"chat": {"serviceLevel": {"percentage": 80, "durationMs": 20000}}}},
            ("mediaSettings.chat.serviceLevel.percentage",),
        ),
        (
            {"mediaSettings": {"email": {"serviceLevel": {"percentage": 0.8, "durationMs": 500}}}},
            ("durationMs", "1000"),
        ),
        ({"mediaSettings": {"fax": {}}}, ("mediaSettings.fax",)),
        ({"acwSettings": {"wrapupPrompt": "WHENEVER"}}, ("acwSettings.wrapupPrompt",)),
        ({"memberGroups": [{"id": "no-such-group", "type": "TEAM"}]}, ("does not exist",)),
    ],
)
def test_invalid_queue_is_rejected_with_the_field(
    api: httpx.Client, scratch: dict, patch: dict, fragments: tuple[str, ...]
) -> None:
    body = {"name": scratch["name"], **patch}
    _assert_400(api.put(f"/api/v2/routing/queues/{scratch['id']}", json=body), *fragments)
    # nothing was half-written
    assert api.get(f"/api/v2/routing/queues/{scratch['id']}").json() == scratch | {
        "dateModified": scratch["dateModified"]
    }


def test_conditional_rules_reference_real_queues_and_groups(
    api: httpx.Client, scratch: dict
) -> None:
    teams = _ids(api, "/api/v2/teams")
    overflow = _queue(api, "Sales - Overflow")
    group = [{"id": teams["Sales Team"], "type": "TEAM"}]
    first_names_queue = {
        "rules": [
            {
                "queue": {"id": overflow["id"]},
                "metric": "EstimatedWaitTime",
                "operator": "GreaterThan",
                "conditionValue": 10,
                "groups": group,
            }
        ]
    }
    _assert_400(
        api.put(
            f"/api/v2/routing/queues/{scratch['id']}",
            json={"name": scratch["name"], "conditionalGroupRouting": first_names_queue},
        ),
        "first rule",
    )
    rule = {
        "metric": "EstimatedWaitTime",
        "operator": "GreaterThan",
        "conditionValue": 10,
        "groups": group,
    }
    missing_queue = {"rules": [rule, {**rule, "queue": {"id": str(uuid.uuid4())}}]}
    _assert_400(
        api.put(
            f"/api/v2/routing/queues/{scratch['id']}",
            json={"name": scratch["name"], "conditionalGroupRouting": missing_queue},
        ),
        "does not exist",
    )
    too_many = {"rules": [rule] * 6}
    _assert_400(
        api.put(
            f"/api/v2/routing/queues/{scratch['id']}",
            json={"name": scratch["name"], "conditionalGroupRouting": too_many},
        ),
        "1 to 5",
    )
    good = {"rules": [rule, {**rule, "queue": {"id": overflow["id"]}}]}
    put = api.put(
        f"/api/v2/routing/queues/{scratch['id']}",
        json={"name": scratch["name"], "conditionalGroupRouting": good},
    )
    assert put.status_code == 200
    assert put.json()["conditionalGroupRouting"]["rules"][1]["queue"]["id"] == overflow["id"]


def test_bullseye_rings_may_wait_less_than_earlier_ones(api: httpx.Client, scratch: dict) -> None:
    """A ring's timeout is its own stay, not a running total: 90 s then 5 s is valid."""
    rings = [
        {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 90}]},
        {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 5}]},
        {},
    ]
    put = api.put(
        f"/api/v2/routing/queues/{scratch['id']}",
        json={"name": scratch["name"], "bullseye": {"rings": rings}},
    )
    assert put.status_code == 200, put.text


def test_bullseye_skill_must_exist(api: httpx.Client, scratch: dict) -> None:
    rings = [
        {
            "expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 10}],
            "actions": {"skillsToRemove": [{"id": "no-such-skill"}]},
        },
        {},
    ]
    _assert_400(
        api.put(
            f"/api/v2/routing/queues/{scratch['id']}",
            json={"name": scratch["name"], "bullseye": {"rings": rings}},
        ),
        "skill no-such-skill does not exist",
    )


def test_duplicate_queue_name_conflicts(api: httpx.Client) -> None:
    answer = api.post("/api/v2/routing/queues", json={"name": "support - voice"})
    assert answer.status_code == 409 and answer.json()["code"] == "general.conflict"


def test_missing_queue_is_404(api: httpx.Client) -> None:
    answer = api.get(f"/api/v2/routing/queues/{uuid.uuid4()}")
    assert answer.status_code == 404 and answer.json()["code"] == "not.found"


def test_member_calls_cap_at_100(api: httpx.Client, scratch: dict) -> None:
    users = api.get("/api/v2/users", params={"pageSize": 150}).json()["entities"]
    assert len(users) == 150
    too_many = [{"id": u["id"]} for u in users[:101]]
    _assert_400(
        api.post(f"/api/v2/routing/queues/{scratch['id']}/members", json=too_many),
        "101 members",
        "maximum is 100",
    )
    assert api.get(f"/api/v2/routing/queues/{scratch['id']}").json()["memberCount"] == 0
    _assert_400(
        api.get(f"/api/v2/routing/queues/{scratch['id']}/members", params={"pageSize": 101}),
        "pageSize",
    )


def test_member_counts_stay_true(api: httpx.Client, scratch: dict) -> None:
    users = api.get("/api/v2/users", params={"pageSize": 150}).json()["entities"]
    queue_path = f"/api/v2/routing/queues/{scratch['id']}"
    for batch in (users[:100], users[100:130]):
        assert api.post(f"{queue_path}/members", json=[{"id": u["id"]} for u in batch]).is_success
    counts = api.get(queue_path).json()
    assert (counts["memberCount"], counts["userMemberCount"], counts["joinedMemberCount"]) == (
        130,
        130,
        130,
    )
    unjoin = [{"id": u["id"], "joined": False} for u in users[:10]]
    assert api.patch(f"{queue_path}/members", json=unjoin).status_code == 200
    assert api.get(queue_path).json()["joinedMemberCount"] == 120
    # members page without totals: walk until a short page
    seen, page = [], 1
    while True:
        listing = api.get(
            f"{queue_path}/members", params={"pageSize": 50, "pageNumber": page, "joined": "true"}
        ).json()
        assert "total" not in listing and "pageCount" not in listing
        seen += listing["entities"]
        if "nextUri" not in listing:
            break
        page += 1
    assert len(seen) == 120 and all(m["joined"] for m in seen)
    assert (
        api.patch(f"{queue_path}/members/{users[0]['id']}", json={"ringNumber": 7}).status_code
        == 400
    )
    assert (
        api.patch(f"{queue_path}/members/{users[0]['id']}", json={"ringNumber": 2}).status_code
        == 202
    )
    assert api.delete(f"{queue_path}/members/{users[1]['id']}").status_code == 204
    assert api.get(queue_path).json()["memberCount"] == 129


def test_group_members_cannot_also_be_added_directly(api: httpx.Client, scratch: dict) -> None:
    teams = _ids(api, "/api/v2/teams")
    path = f"/api/v2/routing/queues/{scratch['id']}"
    body = {"name": scratch["name"], "memberGroups": [{"id": teams["VIP Desk"], "type": "TEAM"}]}
    assert api.put(path, json=body).json()["memberCount"] == 8
    group_member = api.get(f"{path}/members", params={"memberBy": "group"}).json()["entities"][0]
    _assert_400(
        api.post(f"{path}/members", json=[{"id": group_member["id"]}]), "through a member group"
    )


def test_utilization_put_resets_omitted_media_and_caps_capacity(api: httpx.Client) -> None:
    before = api.get("/api/v2/routing/utilization").json()
    try:
        body = {"utilization": {"chat": {"maximumCapacity": 5}}}
        after = api.put("/api/v2/routing/utilization", json=body).json()
        assert after["utilization"]["chat"]["maximumCapacity"] == 5
        # email was interruptible by calls in the seeded org; omitted, it is back to default
        assert after["utilization"]["email"]["interruptableMediaTypes"] == []
        assert after["utilization"]["message"]["maximumCapacity"] == 4
        _assert_400(
            api.put(
                "/api/v2/routing/utilization",
                json={"utilization": {"call": {"maximumCapacity": 26}}},
            ),
            "maximumCapacity",
            "0..25",
        )
        _assert_400(
            api.put(
                "/api/v2/routing/utilization",
                json={"utilization": {"video": {"maximumCapacity": 1}}},
            ),
            "video",
        )
    finally:
        api.put("/api/v2/routing/utilization", json={"utilization": before["utilization"]})
    assert api.get("/api/v2/routing/utilization").json() == before


def test_audit_trail_names_who_changed_what(api: httpx.Client, scratch: dict) -> None:
    import datetime as dt

    api.put(
        f"/api/v2/routing/queues/{scratch['id']}",
        json={"name": scratch["name"], "description": "audited change"},
    )
    now = dt.datetime.now(dt.timezone.utc)
    interval = (
        f"{(now - dt.timedelta(hours=1)).isoformat()}/{(now + dt.timedelta(hours=1)).isoformat()}"
    )
    found = api.post(
        "/api/v2/audits/query/realtime",
        json={
            "interval": interval,
            "serviceName": "Routing",
            "filters": [
                {"property": "EntityId", "value": scratch["id"]},
                {"property": "Action", "value": "Update"},
            ],
        },
    ).json()
    assert found["total"] == 1
    entry = found["entities"][0]
    assert entry["client"]["id"] == "routingkit-sandbox" and entry["user"]["id"]
    changed = {c["property"]: c for c in entry["propertyChanges"]}
    assert changed["description"]["newValues"] == ['"audited change"']
    assert "mediaSettings" in changed  # cleared by the full-replace PUT, and recorded
    too_long = f"{(now - dt.timedelta(days=20)).isoformat()}/{now.isoformat()}"
    _assert_400(
        api.post(
            "/api/v2/audits/query/realtime", json={"interval": too_long, "serviceName": "Routing"}
        ),
        "14 days",
    )
