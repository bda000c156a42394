"""People endpoints: users and their routing skills, groups, utilization.

As in :mod:`.api_routing`, every write reads and validates its body before it opens the one
transaction that checks the store and writes.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..vocabulary.media import MAX_MEDIA_CAPACITY, MEDIA_KEYS, default_utilization
from .errors import bad_request, not_found
from .listing import (
    MAX_PAGE_NUMBER,
    Listing,
    body_of,
    entities_of,
    list_page,
    requested_page,
)
from .schemas import (
    SearchCriterion,
    UserSearchBody,
    UserSkillPost,
    UserSkillPut,
    UtilizationBody,
    unique_ids,
    validated,
)
from .service import Sandbox
from .store import Store
from .web import entity_or_404, json_body, no_content, ok, query_list, sandbox

# Skills per bulk call. The platform documents "Max 50" for the routing-languages bulk endpoint
# and nothing for skills; the Terraform provider sends a user's skills in chunks of 50 (its
# user resource's updateUserSkills). The sandbox holds clients to that (unconfirmed for skills).
MAX_SKILLS_PER_CALL = 50
MAX_SEARCH_PAGE_SIZE = 100
USER_STATES = ("active", "inactive", "deleted", "any")

# --- users ---------------------------------------------------------------------------------


def _user_or_404(store: Store, user_id: str) -> dict[str, Any]:
    user = store.get("user", user_id)
    if user is None:
        raise not_found("User", user_id)
    return user


def _skills_of(user_id: str) -> Listing:
    return Listing(
        "s.skill_id, s.proficiency, s.state, e.name",
        "user_skills s JOIN entities e ON e.kind = 'skill' AND e.id = s.skill_id",
        ("e.name COLLATE NOCASE", "s.skill_id"),
    ).where("s.user_id = ?", user_id)


def _user_skill(user_id: str, row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["skill_id"],
        "name": row["name"],
        "proficiency": row["proficiency"],
        "state": row["state"],
        "skillUri": f"/api/v2/routing/skills/{row['skill_id']}",
        "selfUri": f"/api/v2/users/{user_id}/routingskills/{row['skill_id']}",
    }


def _user_skills(store: Store, user_id: str) -> list[dict[str, Any]]:
    return [_user_skill(user_id, r) for r in _skills_of(user_id).all(store.read())]


def _expand_user(store: Store, user: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    if "skills" in expand or "routingSkills" in expand:
        return {**user, "skills": _user_skills(store, user["id"])}
    return user


async def list_users(request: Request) -> Response:
    store = sandbox(request).store
    listing = entities_of("user").one_of("e.id", query_list(request, "id"))
    state = request.query_params.get("state")
    if state and state not in USER_STATES:
        raise bad_request(
            f"Query parameter state must be one of {', '.join(USER_STATES)}, got {state[:40]!r}",
            "state",
        )
    if state and state != "any":
        listing = listing.where("json_extract(e.body, '$.state') = ?", state)
    expand = set(query_list(request, "expand"))
    return ok(
        list_page(
            request, store.read(), listing, lambda row: _expand_user(store, body_of(row), expand)
        )
    )


async def get_user(request: Request) -> Response:
    store = sandbox(request).store
    user = _user_or_404(store, request.path_params["userId"])
    return ok(_expand_user(store, user, set(query_list(request, "expand"))))


_SEARCH_FIELDS = {"id", "name", "email", "username", "department", "title", "state"}
_SKILL_FIELDS = {"routingSkills", "routingSkills.name", "skills", "routingSkills.id"}
_SEARCH_TYPES = ("EXACT", "CONTAINS", "STARTS_WITH", "TERM", "TERMS", "MATCH_ALL")


def _check_criterion(crit: SearchCriterion, where: str) -> None:
    """Refuse what the sandbox cannot answer faithfully, before any user is read."""
    if crit.type not in _SEARCH_TYPES:
        raise bad_request(
            f"{where}.type {crit.type[:40]!r} is not supported by the sandbox; use "
            f"{', '.join(_SEARCH_TYPES)}",
            f"{where}.type",
        )
    for i, sub in enumerate(crit.group or []):
        _check_criterion(sub, f"{where}.group[{i}]")
    if crit.type == "MATCH_ALL" or crit.group:
        return
    if not crit.fields:
        raise bad_request(
            f'{where}.fields: each query criterion needs fields, e.g. ["routingSkills"]',
            f"{where}.fields",
        )
    unknown = [f for f in crit.fields if f not in _SEARCH_FIELDS | _SKILL_FIELDS]
    if unknown:
        raise bad_request(
            f"{where}.fields: search field {unknown[0]!r} is not supported; use one of "
            f"{', '.join(sorted(_SEARCH_FIELDS | _SKILL_FIELDS))}",
            f"{where}.fields",
        )


def _criterion_matches(store: Store, user: dict[str, Any], crit: SearchCriterion) -> bool:
    if crit.type == "MATCH_ALL":
        return True
    values = [*(crit.values or []), *([crit.value] if crit.value is not None else [])]
    candidates: list[str] = []
    for f in crit.fields or []:
        if f in _SKILL_FIELDS:
            skills = _user_skills(store, user["id"])
            candidates += [s["name"] for s in skills] + [s["id"] for s in skills]
        elif user.get(f) is not None:
            candidates.append(str(user[f]))
    lowered = [c.lower() for c in candidates]
    for v in (x.lower() for x in values):
        if crit.type == "CONTAINS" and any(v in c for c in lowered):
            return True
        if crit.type == "STARTS_WITH" and any(c.startswith(v) for c in lowered):
            return True
        if crit.type in ("EXACT", "TERM", "TERMS") and v in lowered:
            return True
    return False


async def search_users(request: Request) -> Response:
    """POST /api/v2/users/search: enough of the search language to find users by skill."""
    store = sandbox(request).store
    search = validated(UserSearchBody, await json_body(request), "user search")
    if not 1 <= search.page_size <= MAX_SEARCH_PAGE_SIZE:
        raise bad_request(
            f"pageSize must be 1..{MAX_SEARCH_PAGE_SIZE}, got {search.page_size}", "pageSize"
        )
    if not 1 <= search.page_number <= MAX_PAGE_NUMBER:
        raise bad_request(
            f"pageNumber must be 1..{MAX_PAGE_NUMBER}, got {search.page_number}", "pageNumber"
        )
    for i, crit in enumerate(search.query):
        _check_criterion(crit, f"query[{i}]")
    users = store.entities("user")
    for crit in search.query:
        if crit.group:
            hits = [u for u in users if any(_criterion_matches(store, u, g) for g in crit.group)]
        else:
            hits = [u for u in users if _criterion_matches(store, u, crit)]
        if crit.operator == "NOT":
            hit_ids = {u["id"] for u in hits}
            users = [u for u in users if u["id"] not in hit_ids]
        else:
            users = hits
    size, number = search.page_size, search.page_number
    expand = set(search.expand)
    page = users[(number - 1) * size : number * size]
    return ok(
        {
            "total": len(users),
            "pageCount": max(1, -(-len(users) // size)),
            "pageSize": size,
            "pageNumber": number,
            "types": ["users"],
            "results": [_expand_user(store, u, expand) for u in page],
        }
    )


# --- user routing skills -------------------------------------------------------------------


async def list_user_skills(request: Request) -> Response:
    store = sandbox(request).store
    user_id = request.path_params["userId"]
    _user_or_404(store, user_id)
    return ok(
        list_page(request, store.read(), _skills_of(user_id), lambda r: _user_skill(user_id, r))
    )


def _check_proficiency(proficiency: float, field: str) -> None:
    if not 0.0 <= proficiency <= 5.0:
        raise bad_request(f"{field} must be 0.0..5.0, got {proficiency}", field)


def _check_skills_exist(store: Store, ids: list[str], *, batch: bool) -> None:
    known = {s["id"] for s in store.get_many("skill", ids)}
    for i, skill_id in enumerate(ids):
        if skill_id not in known:
            field = f"[{i}].id" if batch else "id"
            raise bad_request(f"{field}: skill {skill_id} does not exist", field)


def _audit_skills(
    box: Sandbox,
    db: sqlite3.Connection,
    request: Request,
    user: dict[str, Any],
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> None:
    old = {s["id"]: s["proficiency"] for s in before}
    new = {s["id"]: s["proficiency"] for s in after}
    changes = [
        {
            "property": f"routingSkills.{sid}",
            "oldValues": [] if sid not in old else [str(old[sid])],
            "newValues": [] if sid not in new else [str(new[sid])],
        }
        for sid in sorted(set(old) | set(new))
        if old.get(sid) != new.get(sid)
    ]
    if changes:
        box.audit(
            db,
            request,
            entity_type="AgentRoutingInfo",
            entity_id=user["id"],
            entity_name=user["name"],
            action="Update",
            changes=changes,
        )


_UPSERT_SKILL = (
    "INSERT INTO user_skills (user_id, skill_id, proficiency, state) "
    "VALUES (?, ?, ?, 'active') ON CONFLICT(user_id, skill_id) "
    "DO UPDATE SET proficiency = excluded.proficiency"
)


async def upsert_user_skill(request: Request) -> Response:
    """POST .../routingskills (the body names the skill) or PUT .../routingskills/{skillId}."""
    box = sandbox(request)
    user_id = request.path_params["userId"]
    body = await json_body(request)
    if "skillId" in request.path_params:
        skill_id = request.path_params["skillId"]
        proficiency = validated(UserSkillPut, body, "user routing skill").proficiency
    else:
        post = validated(UserSkillPost, body, "user routing skill")
        skill_id, proficiency = post.id, post.proficiency
    _check_proficiency(proficiency, "proficiency")
    with box.store.transaction() as db:
        user = _user_or_404(box.store, user_id)
        _check_skills_exist(box.store, [skill_id], batch=False)
        before = _user_skills(box.store, user_id)
        db.execute(_UPSERT_SKILL, (user_id, skill_id, proficiency))
        after = [s for s in before if s["id"] != skill_id] + [
            {"id": skill_id, "proficiency": proficiency}
        ]
        _audit_skills(box, db, request, user, before, after)
    return ok(next(s for s in _user_skills(box.store, user_id) if s["id"] == skill_id))


async def delete_user_skill(request: Request) -> Response:
    box = sandbox(request)
    user_id = request.path_params["userId"]
    skill_id = request.path_params["skillId"]
    with box.store.transaction() as db:
        user = _user_or_404(box.store, user_id)
        before = _user_skills(box.store, user_id)
        if not db.execute(
            "DELETE FROM user_skills WHERE user_id = ? AND skill_id = ?", (user_id, skill_id)
        ).rowcount:
            raise not_found(f"Skill of user {user_id}:", skill_id)
        _audit_skills(box, db, request, user, before, [s for s in before if s["id"] != skill_id])
    return no_content()


async def bulk_user_skills(request: Request) -> Response:
    """PATCH adds or updates the skills given; PUT replaces the user's skills with them."""
    box = sandbox(request)
    user_id = request.path_params["userId"]
    body = await json_body(request)
    if isinstance(body, list) and len(body) > MAX_SKILLS_PER_CALL:
        raise bad_request(
            f"{len(body)} skills in one call; the maximum is {MAX_SKILLS_PER_CALL}", "body"
        )
    posts = validated(list[UserSkillPost], body, "user routing skills")
    page = requested_page(request)
    unique_ids([p.id for p in posts], "user routing skills")
    for i, post in enumerate(posts):
        _check_proficiency(post.proficiency, f"[{i}].proficiency")
    with box.store.transaction() as db:
        user = _user_or_404(box.store, user_id)
        _check_skills_exist(box.store, [p.id for p in posts], batch=True)
        before = _user_skills(box.store, user_id)
        if request.method == "PUT":
            db.execute("DELETE FROM user_skills WHERE user_id = ?", (user_id,))
        db.executemany(_UPSERT_SKILL, [(user_id, p.id, p.proficiency) for p in posts])
        _audit_skills(box, db, request, user, before, _user_skills(box.store, user_id))
    listing = _skills_of(user_id)
    render = lambda r: _user_skill(user_id, r)  # noqa: E731
    return ok(list_page(request, box.store.read(), listing, render, page=page))


# --- groups --------------------------------------------------------------------------------


async def list_groups(request: Request) -> Response:
    listing = (
        entities_of("group")
        .name_like("e.name", request.query_params.get("name"))
        .one_of("e.id", query_list(request, "id"))
    )
    return ok(list_page(request, sandbox(request).store.read(), listing, body_of))


async def get_group(request: Request) -> Response:
    return ok(entity_or_404(request, "group", "Group", "groupId"))


async def list_group_members(request: Request) -> Response:
    store = sandbox(request).store
    group_id = request.path_params["groupId"]
    if store.get("group", group_id) is None:
        raise not_found("Group", group_id)
    listing = Listing(
        "e.body",
        "group_members g JOIN entities e ON e.kind = 'user' AND e.id = g.user_id",
        ("e.name COLLATE NOCASE", "e.id"),
    ).where("g.group_id = ?", group_id)
    return ok(list_page(request, store.read(), listing, body_of))


# --- utilization ---------------------------------------------------------------------------


def _stored_utilization(store: Store, scope: str) -> dict[str, Any] | None:
    row = store.read().execute("SELECT body FROM utilization WHERE scope = ?", (scope,)).fetchone()
    return None if row is None else json.loads(row["body"])


def _org_utilization(store: Store) -> dict[str, Any]:
    return _stored_utilization(store, "org") or {"utilization": default_utilization()}


def _validated_utilization(body: Any) -> dict[str, Any]:
    """A utilization PUT body, checked: only the media types it gives (see :func:`_completed`)."""
    request_body = validated(UtilizationBody, body, "utilization")
    result: dict[str, Any] = {}
    for key, setting in (request_body.utilization or {}).items():
        capacity = setting.maximum_capacity
        if not 0 <= capacity <= MAX_MEDIA_CAPACITY:
            raise bad_request(
                f"utilization.{key}.maximumCapacity must be an integer 0..{MAX_MEDIA_CAPACITY}, "
                f"got {capacity}",
                f"utilization.{key}.maximumCapacity",
            )
        result[key] = {
            "maximumCapacity": capacity,
            "interruptableMediaTypes": list(setting.interruptable_media_types),
            "includeNonAcd": setting.include_non_acd,
        }
    out: dict[str, Any] = {"utilization": result}
    if request_body.max_inbound_calls is not None:
        out["maxInboundCalls"] = request_body.max_inbound_calls
    if request_body.label_utilizations:
        out["labelUtilizations"] = {
            label: capacity.model_dump(by_alias=True, exclude_none=True)
            for label, capacity in request_body.label_utilizations.items()
        }
    return out


def _completed(given: dict[str, Any], omitted: dict[str, Any]) -> dict[str, Any]:
    """PUT semantics: every media type the body omits takes its value from ``omitted`` (the
    platform default for the org's PUT, the org's settings for an agent's)."""
    return {**given, "utilization": {**copy.deepcopy(omitted), **given["utilization"]}}


def _utilization_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    old_u, new_u = old.get("utilization", {}), new.get("utilization", {})
    for key in MEDIA_KEYS:
        if old_u.get(key) != new_u.get(key):
            changes.append(
                {
                    "property": f"utilization.{key}",
                    "oldValues": [json.dumps(old_u[key], sort_keys=True)] if key in old_u else [],
                    "newValues": [json.dumps(new_u[key], sort_keys=True)] if key in new_u else [],
                }
            )
    return changes


_STORE_UTILIZATION = (
    "INSERT INTO utilization (scope, body) VALUES (?, ?) "
    "ON CONFLICT(scope) DO UPDATE SET body = excluded.body"
)


async def org_utilization(request: Request) -> Response:
    box = sandbox(request)
    store = box.store
    if request.method == "GET":
        return ok(_org_utilization(store))
    new = (
        _completed(_validated_utilization(await json_body(request)), default_utilization())
        if request.method == "PUT"
        else {"utilization": default_utilization()}
    )
    with store.transaction() as db:
        old = _org_utilization(store)
        db.execute(_STORE_UTILIZATION, ("org", json.dumps(new)))
        box.audit(
            db,
            request,
            entity_type="MaxOrgRoutingUtilizationCapacity",
            entity_id=box.org.division_id,
            entity_name="Organization utilization",
            action="Update" if request.method == "PUT" else "Delete",
            changes=_utilization_changes(old, new),
        )
    return no_content() if request.method == "DELETE" else ok(new)


def _effective_utilization(store: Store, user_id: str) -> dict[str, Any]:
    own = _stored_utilization(store, user_id)
    return {**(own or _org_utilization(store)), "level": "Agent" if own else "Organization"}


async def user_utilization(request: Request) -> Response:
    """A user's own settings (level Agent), else the org's (level Organization).

    A PUT makes a lasting agent-level override; the media types it omits take the org's
    values (GENESYS_API.md, "Read-modify-write pitfalls"). DELETE reverts to the org's.
    """
    box = sandbox(request)
    store = box.store
    user_id = request.path_params["userId"]
    if request.method == "GET":
        _user_or_404(store, user_id)
        return ok(_effective_utilization(store, user_id))
    given = _validated_utilization(await json_body(request)) if request.method == "PUT" else None
    with store.transaction() as db:
        user = _user_or_404(store, user_id)
        own = None if given is None else _completed(given, _org_utilization(store)["utilization"])
        current = _effective_utilization(store, user_id)
        if own is None:
            db.execute("DELETE FROM utilization WHERE scope = ?", (user_id,))
            new = {**_org_utilization(store), "level": "Organization"}
        else:
            db.execute(_STORE_UTILIZATION, (user_id, json.dumps(own)))
            new = {**own, "level": "Agent"}
        box.audit(
            db,
            request,
            # The SDK's audit entity types have no agent-level utilization of their own; an
            # agent's routing settings are AgentRoutingInfo (unconfirmed for utilization).
            entity_type="AgentRoutingInfo",
            entity_id=user_id,
            entity_name=user["name"],
            action="Update" if request.method == "PUT" else "Delete",
            changes=_utilization_changes(current, new),
        )
    return no_content() if request.method == "DELETE" else ok(new)


routes = [
    Route("/api/v2/users", list_users, methods=["GET"]),
    Route("/api/v2/users/search", search_users, methods=["POST"]),
    Route("/api/v2/users/{userId}", get_user, methods=["GET"]),
    Route("/api/v2/users/{userId}/routingskills", list_user_skills, methods=["GET"]),
    Route("/api/v2/users/{userId}/routingskills", upsert_user_skill, methods=["POST"]),
    Route("/api/v2/users/{userId}/routingskills/bulk", bulk_user_skills, methods=["PATCH", "PUT"]),
    Route("/api/v2/users/{userId}/routingskills/{skillId}", upsert_user_skill, methods=["PUT"]),
    Route("/api/v2/users/{userId}/routingskills/{skillId}", delete_user_skill, methods=["DELETE"]),
    Route("/api/v2/groups", list_groups, methods=["GET"]),
    Route("/api/v2/groups/{groupId}", get_group, methods=["GET"]),
    Route("/api/v2/groups/{groupId}/members", list_group_members, methods=["GET"]),
    Route("/api/v2/routing/utilization", org_utilization, methods=["GET", "PUT", "DELETE"]),
    Route(
        "/api/v2/routing/users/{userId}/utilization",
        user_utilization,
        methods=["GET", "PUT", "DELETE"],
    ),
]
