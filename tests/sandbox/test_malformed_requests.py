"""Malformed requests get the platform's 4xx with the Genesys error body, never a 500.

One table of malformed requests across every /api/v2 endpoint the sandbox serves: every body
endpoint gets the same broken documents (deep nesting, bytes that are not UTF-8, lone
surrogates, 5,000-digit numbers, oversized bodies, non-JSON content types...), then each endpoint
gets values of the wrong type or out of range in its own fields, and the list endpoints get bad
paging and filter parameters. A field error must name the field's path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import running_sandbox


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {queue}, {user}, {skill}, {code}, {group} are filled in (bodies: {interval})
    body: bytes | None = None
    status: int = 400
    field: str | None = None  # must appear in the error message
    content_type: str | None = "application/json"
    params: tuple[tuple[str, str], ...] = ()


def j(value: Any) -> bytes:
    """JSON as a client sends it (non-ASCII, lone surrogates included, as \\u escapes)."""
    return json.dumps(value).encode()


QUEUES = "/api/v2/routing/queues"
QUEUE = "/api/v2/routing/queues/{queue}"
MEMBERS = "/api/v2/routing/queues/{queue}/members"
MEMBER = "/api/v2/routing/queues/{queue}/members/{user}"
QUEUE_CODES = "/api/v2/routing/queues/{queue}/wrapupcodes"
SKILLS = "/api/v2/routing/skills"
SEARCH = "/api/v2/users/search"
USER_SKILLS = "/api/v2/users/{user}/routingskills"
USER_SKILL = "/api/v2/users/{user}/routingskills/{skill}"
BULK = "/api/v2/users/{user}/routingskills/bulk"
ORG_UTILIZATION = "/api/v2/routing/utilization"
USER_UTILIZATION = "/api/v2/routing/users/{user}/utilization"
AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
OBSERVATIONS = "/api/v2/analytics/queues/observations/query"
AUDITS = "/api/v2/audits/query/realtime"

BODY_ENDPOINTS = [
    ("POST", QUEUES),
    ("PUT", QUEUE),
    ("POST", MEMBERS),
    ("PATCH", MEMBERS),
    ("PATCH", MEMBER),
    ("POST", QUEUE_CODES),
    ("POST", SKILLS),
    ("POST", SEARCH),
    ("POST", USER_SKILLS),
    ("PUT", USER_SKILL),
    ("PATCH", BULK),
    ("PUT", BULK),
    ("PUT", ORG_UTILIZATION),
    ("PUT", USER_UTILIZATION),
    ("POST", AGGREGATES),
    ("POST", OBSERVATIONS),
    ("POST", AUDITS),
]

# (label, body, content type, expected status): wrong for every endpoint that takes JSON.
BROKEN_DOCUMENTS: list[tuple[str, bytes, str, int]] = [
    ("arrays nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    (
        "objects nested 50,000 deep in a field",
        b'{"name": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
        "application/json",
        400,
    ),
    ("bytes that are not UTF-8", b'{"name": "caf\xe9 \xff"}', "application/json", 400),
    ("a lone surrogate", j({"name": "\ud800 queue"}), "application/json", 400),
    ("truncated JSON", b'{"name": "Sales', "application/json", 400),
    ("NaN", b'{"name": "x", "value": NaN}', "application/json", 400),
    ("a number beyond a double", b'{"name": "x", "value": 1e999}', "application/json", 400),
    (
        "a 5,000-digit integer",
        b'{"name": "x", "value": ' + b"9" * 5000 + b"}",
        "application/json",
        400,
    ),
    ("an empty body", b"", "application/json", 400),
    ("a bare string", j("hello"), "application/json", 400),
    ("text/plain", j({"name": "x"}), "text/plain", 415),
    ("a form", b"name=x", "application/x-www-form-urlencoded", 415),
    ("a body over 1 MB", j({"name": "x", "description": "d" * 1_100_000}), "application/json", 413),
]

GENERIC = [
    pytest.param(Case(method, path, body, status, None, ctype), id=f"{method} {path}: {label}")
    for method, path in BODY_ENDPOINTS
    for label, body, ctype, status in BROKEN_DOCUMENTS
]


def queue(**fields: Any) -> dict[str, Any]:
    return {"name": "Typed queue", **fields}


def call(**setting: Any) -> dict[str, Any]:
    return queue(mediaSettings={"call": setting})


def ring(**fields: Any) -> dict[str, Any]:
    return queue(bullseye={"rings": [fields, {}]})


def search(**criterion: Any) -> dict[str, Any]:
    return {"query": [{"fields": ["name"], "value": "x", **criterion}]}


def capacity(**setting: Any) -> dict[str, Any]:
    return {"utilization": {"call": {"maximumCapacity": 1, **setting}}}


def aggregate(**change: Any) -> dict[str, Any]:
    return {"interval": "{interval}", "metrics": ["nOffered"], **change}


def observe(**change: Any) -> dict[str, Any]:
    return {"metrics": ["oWaiting"], **change}


def audit(**change: Any) -> dict[str, Any]:
    return {"interval": "{interval}", "serviceName": "Routing", **change}


def predicate(**fields: Any) -> dict[str, Any]:
    return {"type": "or", "predicates": [{"dimension": "queueId", "value": "q", **fields}]}


def view(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "v", "target": "tHandle", "function": "rangeBound", "range": {}, **fields}]


CALL = "mediaSettings.call"
TIMEOUT = {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 5}]}
USER = {"id": "{user}"}

QUEUE_FIELDS: list[tuple[Any, str]] = [
    ({"name": {"first": "Sales"}}, "name"),
    ({"name": 42}, "name"),
    ({"name": ["Sales"]}, "name"),
    ({"description": "no name"}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "n" * 201}, "name"),
    (queue(description={"text": "x"}), "description"),
    (queue(description="d" * 4001), "description"),
    (queue(division={"id": {"id": "x"}}), "division.id"),
    (queue(division="home"), "division"),
    (call(alertingTimeoutSeconds="30"), f"{CALL}.alertingTimeoutSeconds"),
    (call(alertingTimeoutSeconds=30.5), f"{CALL}.alertingTimeoutSeconds"),
    (call(alertingTimeoutSeconds=10**20), f"{CALL}.alertingTimeoutSeconds"),
    (call(alertingTimeoutSeconds=True), f"{CALL}.alertingTimeoutSeconds"),
    (call(serviceLevel={"percentage": "0.8"}), f"{CALL}.serviceLevel.percentage"),
    (call(serviceLevel={"durationMs": "20000"}), f"{CALL}.serviceLevel.durationMs"),
    (call(serviceLevel="80/20"), f"{CALL}.serviceLevel"),
    (call(enableAutoAnswer="no"), f"{CALL}.enableAutoAnswer"),
    (queue(mediaSettings=[]), "mediaSettings"),
    (queue(mediaSettings={"call": "fast"}), "mediaSettings.call"),
    (queue(mediaSettings={"callback": {"mode": 5}}), "mediaSettings.callback.mode"),
    (queue(routingRules="all"), "routingRules"),
    (queue(routingRules=[{"operator": "ANY", "threshold": "3"}]), "routingRules[0].threshold"),
    (ring(expansionCriteria=[{"threshold": "5"}]), "rings[0].expansionCriteria[0].threshold"),
    (
        ring(**TIMEOUT, actions={"skillsToRemove": [{"id": {}}]}),
        "bullseye.rings[0].actions.skillsToRemove[0].id",
    ),
    (queue(bullseye="on"), "bullseye"),
    (queue(memberGroups=[{"id": {"x": 1}, "type": "GROUP"}]), "memberGroups[0].id"),
    (queue(memberGroups=[{"id": 7, "type": "GROUP"}]), "memberGroups[0].id"),
    (queue(memberGroups={"id": "x"}), "memberGroups"),
    (queue(acwSettings={"timeoutMs": "5000"}), "acwSettings.timeoutMs"),
    (queue(acwSettings={"wrapupPrompt": 3}), "acwSettings.wrapupPrompt"),
    (
        queue(conditionalGroupRouting={"rules": [{"conditionValue": "high"}]}),
        "conditionalGroupRouting.rules[0].conditionValue",
    ),
    (queue(autoAnswerOnly="yes"), "autoAnswerOnly"),
    (queue(enableTranscription=1), "enableTranscription"),
    (queue(scoringMethod={"x": 1}), "scoringMethod"),
    (queue(skillEvaluationMethod=["ALL"]), "skillEvaluationMethod"),
    (queue(callingPartyName={}), "callingPartyName"),
    (queue(queueFlow="flow-id"), "queueFlow"),
    (queue(directRouting="yes"), "directRouting"),
    (queue(dateCreated="yesterday"), "dateCreated"),
    (queue(memberCount="3"), "memberCount"),
]

UTILIZATION_FIELDS: list[tuple[Any, str]] = [
    ({"utilization": {"call": {"maximumCapacity": "3"}}}, "utilization.call.maximumCapacity"),
    ({"utilization": {"call": {"maximumCapacity": 26}}}, "utilization.call.maximumCapacity"),
    ({"utilization": {"call": {"maximumCapacity": 2.5}}}, "utilization.call.maximumCapacity"),
    ({"utilization": {"call": {}}}, "utilization.call.maximumCapacity"),
    ({"utilization": {"video": {"maximumCapacity": 1}}}, "utilization.video"),
    ({"utilization": "call"}, "utilization"),
    ({"utilization": {"call": "x"}}, "utilization.call"),
    (capacity(interruptableMediaTypes="email"), "utilization.call.interruptableMediaTypes"),
    (capacity(interruptableMediaTypes=[{"a": 1}]), "utilization.call.interruptableMediaTypes[0]"),
    (capacity(includeNonAcd="no"), "utilization.call.includeNonAcd"),
    ({"maxInboundCalls": "2"}, "maxInboundCalls"),
    ({"labelUtilizations": "x"}, "labelUtilizations"),
    ([], "body"),
]

# (method, path) -> [(body, the field the refusal must name)]
FIELDS: dict[tuple[str, str], list[tuple[Any, str]]] = {
    ("POST", QUEUES): [
        *QUEUE_FIELDS,
        (queue(sourceQueueId={"id": "x"}), "sourceQueueId"),
        (queue(sourceQueueId=17), "sourceQueueId"),
    ],
    ("PUT", QUEUE): QUEUE_FIELDS[::3],
    ("POST", MEMBERS): [  # [{"id": userId}], at most 100, each user once
        (USER, "body"),
        (["{user}"], "[0]"),
        ([["{user}"]], "[0]"),
        ([{"id": {"x": 1}}], "[0].id"),
        ([{"id": 5}], "[0].id"),
        ([{"id": None}], "[0].id"),
        ([{}], "[0].id"),
        ([USER, USER], "[1].id"),
        ([USER] * 101, "100"),
    ],
    ("PATCH", MEMBERS): [
        ({**USER, "joined": True}, "body"),
        ([{**USER, "joined": "yes"}], "[0].joined"),
        ([{"id": {"a": 1}, "joined": True}], "[0].id"),
        ([{"joined": True}], "[0].id"),
        ([5], "[0]"),
        ([{**USER, "joined": True}, {**USER, "joined": False}], "[1].id"),
    ],
    ("PATCH", MEMBER): [
        ({"ringNumber": "2"}, "ringNumber"),
        ({"ringNumber": 2.5}, "ringNumber"),
        ({"ringNumber": 7}, "ringNumber"),
        ({"ringNumber": True}, "ringNumber"),
        ({"ringNumber": 10**30}, "ringNumber"),
        ({"joined": "true"}, "joined"),
        ([], "body"),
    ],
    ("POST", QUEUE_CODES): [
        ({"id": "{code}"}, "body"),
        ([{"id": {"a": 1}}], "[0].id"),
        (["{code}"], "[0]"),
        ([{"id": 5}], "[0].id"),
        ([{}], "[0].id"),
    ],
    ("POST", SKILLS): [
        ({"name": {"a": 1}}, "name"),
        ({"name": 5}, "name"),
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "s" * 201}, "name"),
        ({"name": "Typed skill", "division": {"id": {"x": 1}}}, "division.id"),
        ({"name": "Typed skill", "state": 5}, "state"),
        ([], "body"),
    ],
    ("POST", SEARCH): [
        ({"query": "name"}, "query"),
        ({"query": [5]}, "query[0]"),
        (search(fields="name"), "query[0].fields"),
        (search(fields=[5]), "query[0].fields[0]"),
        (search(fields=["shoeSize"]), "query[0].fields"),
        (search(value={"a": 1}), "query[0].value"),
        (search(values=[1, 2]), "query[0].values[0]"),
        (search(type=5), "query[0].type"),
        (search(type="REGEX"), "query[0].type"),
        (search(operator=5), "query[0].operator"),
        (search(operator="XOR"), "query[0].operator"),
        (search(group="g"), "query[0].group"),
        ({"pageSize": "25"}, "pageSize"),
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 10**9}, "pageSize"),
        ({"pageNumber": -1}, "pageNumber"),
        ({"pageNumber": 0}, "pageNumber"),
        ({"pageNumber": "2"}, "pageNumber"),
        ({"expand": "skills"}, "expand"),
        ({"expand": [{"a": 1}]}, "expand[0]"),
        ({"sortOrder": 5}, "sortOrder"),
        ([], "body"),
    ],
    ("POST", USER_SKILLS): [
        ({"id": {"a": 1}, "proficiency": 3}, "id"),
        ({"id": 5, "proficiency": 3}, "id"),
        ({"proficiency": 3}, "id"),
        ({"id": "{skill}", "proficiency": "3"}, "proficiency"),
        ({"id": "{skill}", "proficiency": 6}, "proficiency"),
        ({"id": "{skill}", "proficiency": -1}, "proficiency"),
        ({"id": "{skill}", "proficiency": True}, "proficiency"),
        ([], "body"),
    ],
    ("PUT", USER_SKILL): [
        ({"proficiency": "4"}, "proficiency"),
        ({"proficiency": 9}, "proficiency"),
        ({"proficiency": 1, "state": 5}, "state"),
        ([], "body"),
    ],
    ("PATCH", BULK): [
        ({"id": "{skill}", "proficiency": 1}, "body"),
        ([{"id": {"a": 1}, "proficiency": 1}], "[0].id"),
        ([{"id": "{skill}", "proficiency": "1"}], "[0].proficiency"),
        (["{skill}"], "[0]"),
    ],
    ("PUT", BULK): [
        ([{"id": "{skill}", "proficiency": 1}, {"id": "{skill}", "proficiency": 2}], "[1].id"),
        ([{"id": "{skill}", "proficiency": 7}], "[0].proficiency"),
    ],
    ("PUT", ORG_UTILIZATION): UTILIZATION_FIELDS,
    ("PUT", USER_UTILIZATION): UTILIZATION_FIELDS,
    ("POST", AGGREGATES): [
        (
            aggregate(interval="9999-12-31T00:00:00Z/9999-12-31T23:45:00Z", granularity="P1D"),
            "interval",
        ),
        (
            aggregate(interval="0001-01-01T00:00:00Z/0001-01-02T00:00:00Z", granularity="P1D"),
            "interval",
        ),
        (aggregate(interval=5), "interval"),
        (aggregate(interval="then/now"), "interval"),
        (aggregate(metrics="nOffered"), "metrics"),
        (aggregate(metrics=[5]), "metrics"),
        (aggregate(groupBy="queueId"), "groupBy"),
        (aggregate(granularity=5), "granularity"),
        (aggregate(timeZone=5), "timeZone"),
        (aggregate(timeZone="Nowhere/Land"), "timeZone"),
        (aggregate(timeZone="../../etc/passwd"), "timeZone"),
        (aggregate(filter="queue"), "filter"),
        (aggregate(filter=predicate(value={})), "filter.predicates[0].value"),
        (aggregate(filter=predicate(dimension=5)), "filter.predicates[0].dimension"),
        (aggregate(views="histogram"), "views"),
        (aggregate(views=view(range={"gte": "5"})), "views[0].range.gte"),
        ([], "body"),
    ],
    ("POST", OBSERVATIONS): [
        (observe(metrics="oWaiting"), "metrics"),
        (observe(metrics=[{}]), "metrics"),
        (observe(), "filter"),
        (observe(filter="q"), "filter"),
        (observe(filter=predicate(value={})), "filter.predicates[0].value"),
        ([], "body"),
    ],
    ("POST", AUDITS): [
        (audit(interval=5), "interval"),
        (audit(interval="yesterday"), "interval"),
        (audit(interval="9999-12-30T00:00:00Z/9999-12-31T00:00:00Z"), "interval"),
        (audit(serviceName={"name": "Routing"}), "serviceName"),
        (audit(serviceName=5), "serviceName"),
        (audit(filters="EntityId"), "filters"),
        (audit(filters=[{"property": "EntityId", "value": {"a": 1}}]), "filters[0].value"),
        (audit(filters=[{"property": "EntityId", "value": 5}]), "filters[0].value"),
        (audit(filters=[{"property": 5, "value": "x"}]), "filters[0].property"),
        (audit(filters=[{"property": "Colour", "value": "x"}]), "filters[0].property"),
        (audit(sort=[{"name": "Timestamp", "sortOrder": 5}]), "sort[0].sortOrder"),
        (audit(pageNumber=0), "pageNumber"),
        (audit(pageNumber=-1), "pageNumber"),
        (audit(pageNumber="2"), "pageNumber"),
        (audit(pageSize=0), "pageSize"),
        (audit(pageSize=501), "pageSize"),
        (audit(pageSize="x"), "pageSize"),
        ([], "body"),
    ],
}

FIELD_CASES = [
    pytest.param(
        Case(method, path, j(body), 400, field),
        id=f"{method} {path}: {field} <- {json.dumps(body)[:60]}",
    )
    for (method, path), cases in FIELDS.items()
    for body, field in cases
]


def query_case(path: str, field: str, **params: str) -> Any:
    label = "&".join(f"{k}={v}" for k, v in params.items())
    case = Case("GET", path, None, 400, field, None, tuple(params.items()))
    return pytest.param(case, id=f"GET {path}?{label}")


QUERY_CASES = [
    *(
        query_case(path, name, **{name: value})
        for path in (
            QUEUES,
            SKILLS,
            "/api/v2/routing/wrapupcodes",
            "/api/v2/users",
            "/api/v2/groups",
            QUEUE_CODES,
            USER_SKILLS,
            "/api/v2/groups/{group}/members",
        )
        for name, value in (
            ("pageNumber", "0"),
            ("pageNumber", "-1"),
            ("pageNumber", "abc"),
            ("pageSize", "0"),
            ("pageSize", "-5"),
            ("pageSize", "1000000000000"),
        )
    ),
    query_case(QUEUES, "pageNumber", pageNumber="1" + "0" * 30),
    query_case(QUEUES, "sortOrder", sortOrder="sideways"),
    query_case(MEMBERS, "pageSize", pageSize="101"),
    query_case(MEMBERS, "pageNumber", pageNumber="0"),
    query_case(MEMBERS, "joined", joined="maybe"),
    query_case(MEMBERS, "memberBy", memberBy="robot"),
    query_case(MEMBERS, "sortOrder", sortOrder="up"),
    query_case("/api/v2/users", "state", state="asleep"),
]


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A fresh two-day org of this module's own, and the ids the paths name."""
    db = tmp_path_factory.mktemp("malformed") / "org.sqlite3"
    with running_sandbox(Path(db), days=2, rate_limit_per_minute=1_000_000) as server:
        headers = {"Authorization": f"Bearer {login(server)}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:

            def first_id(path: str) -> str:
                return str(client.get(path).json()["entities"][0]["id"])

            ids = {
                "queue": client.post(QUEUES, json={"name": "Malformed target"}).json()["id"],
                "user": first_id("/api/v2/users"),
                "skill": first_id(SKILLS),
                "code": first_id("/api/v2/routing/wrapupcodes"),
                "group": first_id("/api/v2/groups"),
                "interval": "2026-01-05T00:00:00Z/2026-01-06T00:00:00Z",
            }
            yield client, ids


ERROR_FIELDS = {"message", "code", "status", "messageWithParams", "messageParams", "contextId"}
ERROR_FIELDS |= {"details", "errors"}
ERROR_CODES = {400: "bad.request", 413: "request.entity.too.large", 415: "unsupported.media.type"}


def _fill(text: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize("case", [*GENERIC, *FIELD_CASES, *QUERY_CASES])
def test_malformed_request_is_refused_with_the_genesys_error(
    target: tuple[httpx.Client, dict[str, str]], case: Case
) -> None:
    client, ids = target
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    body = case.body
    if body is not None and b"{" in body and len(body) < 100_000:
        body = _fill(body.decode("utf-8", "surrogateescape"), ids).encode(
            "utf-8", "surrogateescape"
        )
    answer = client.request(
        case.method,
        _fill(case.path, ids),
        content=body,
        headers=headers,
        params=[(k, _fill(v, ids)) for k, v in case.params],
    )
    assert answer.status_code == case.status, answer.text[:500]
    error = answer.json()
    assert set(error) == ERROR_FIELDS
    assert error["status"] == case.status and error["code"] == ERROR_CODES[case.status]
    assert error["contextId"] == answer.headers["inin-correlation-id"]
    if case.field is not None:
        assert case.field in error["message"], error["message"]


def test_the_table_covers_every_body_endpoint_and_enough_cases() -> None:
    assert len(GENERIC) + len(FIELD_CASES) + len(QUERY_CASES) >= 150
    assert set(FIELDS) == set(BODY_ENDPOINTS)
