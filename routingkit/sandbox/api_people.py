"""People endpoints: users and their routing skills, groups, utilization."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..genesys.models import MEDIA_KEYS, Utilization
from .errors import ApiError, not_found
from .seed import DEFAULT_UTILIZATION
from .store import Store
from .web import (
    entity_or_404,
    filter_named,
    json_body,
    no_content,
    ok,
    paged,
    parse_model,
    query_list,
    sandbox,
)

# --- users ---------------------------------------------------------------------------------


def _user_or_404(store: Store, user_id: str) -> dict[str, Any]:
    user = store.get("user", user_id)
    if user is None:
        raise not_found("User", user_id)
    return user


def _user_skills(store: Store, user_id: str) -> list[dict[str, Any]]:
    rows = (
        store.read()
        .execute(
            "SELECT s.skill_id, s.proficiency, s.state, e.name FROM user_skills s "
            "JOIN entities e ON e.kind = 'skill' AND e.id = s.skill_id WHERE s.user_id = ? "
            "ORDER BY e.name COLLATE NOCASE",
            (user_id,),
        )
        .fetchall()
    )
    return [
        {
            "id": r["skill_id"],
            "name": r["name"],
            "proficiency": r["proficiency"],
            "state": r["state"],
            "skillUri": f"/api/v2/routing/skills/{r['skill_id']}",
            "selfUri": f"/api/v2/users/{user_id}/routingskills/{r['skill_id']}",
        }
        for r in rows
    ]


def _expand_user(store: Store, user: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    if "skills" in expand or "routingSkills" in expand:
        return {**user, "skills": _user_skills(store, user["id"])}
    return user


async def list_users(request: Request) -> Response:
    store = sandbox(request).store
    users = store.entities("user")
    ids = query_list(request, "id")
    if ids:
        users = [u for u in users if u["id"] in set(ids)]
    state = request.query_params.get("state")
    if state and state != "any":
        users = [u for u in users if u.get("state") == state]
    expand = set(query_list(request, "expand"))
    return ok(paged(request, users, render=lambda u: _expand_user(store, u, expand)))


async def get_user(request: Request) -> Response:
    store = sandbox(request).store
    user = _user_or_404(store, request.path_params["userId"])
    return ok(_expand_user(store, user, set(query_list(request, "expand"))))


_SEARCH_FIELDS = {"id", "name", "email", "username", "department", "title", "state"}
_SKILL_FIELDS = {"routingSkills", "routingSkills.name", "skills", "routingSkills.id"}


def _criterion_matches(store: Store, user: dict[str, Any], crit: dict[str, Any]) -> bool:
    kind = crit.get("type", "EXACT")
    fields = crit.get("fields") or []
    values = [str(v) for v in (crit.get("values") or [])]
    if crit.get("value") is not None:
        values.append(str(crit["value"]))
    if kind == "MATCH_ALL":
        return True
    if kind not in ("EXACT", "CONTAINS", "STARTS_WITH", "TERM", "TERMS"):
        raise ApiError(
            400,
            f"query type {kind!r} is not supported by the sandbox; use EXACT, "
            "CONTAINS, STARTS_WITH, TERM, TERMS or MATCH_ALL",
        )
    if not fields:
        raise ApiError(400, 'each query criterion needs fields, e.g. ["routingSkills"]')
    candidates: list[str] = []
    for f in fields:
        if f in _SKILL_FIELDS:
            candidates += [s["name"] for s in _user_skills(store, user["id"])]
            candidates += [s["id"] for s in _user_skills(store, user["id"])]
        elif f in _SEARCH_FIELDS:
            if user.get(f) is not None:
                candidates.append(str(user[f]))
        else:
            raise ApiError(
                400,
                f"search field {f!r} is not supported; use one of "
                f"{', '.join(sorted(_SEARCH_FIELDS | _SKILL_FIELDS))}",
            )
    lowered = [c.lower() for c in candidates]
    for v in (x.lower() for x in values):
        if kind == "CONTAINS" and any(v in c for c in lowered):
            return True
        if kind == "STARTS_WITH" and any(c.startswith(v) for c in lowered):
            return True
        if kind in ("EXACT", "TERM", "TERMS") and v in lowered:
            return True
    return False


async def search_users(request: Request) -> Response:
    """POST /api/v2/users/search: enough of the search language to find users by skill."""
    store = sandbox(request).store
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "The search request must be a JSON object with a query list")
    criteria = body.get("query") or []
    users = store.entities("user")
    for crit in criteria:
        operator = (crit.get("operator") or "AND").upper()
        group = crit.get("group")
        if group:
            hits = [u for u in users if any(_criterion_matches(store, u, g) for g in group)]
        else:
            hits = [u for u in users if _criterion_matches(store, u, crit)]
        if operator == "NOT":
            hit_ids = {u["id"] for u in hits}
            users = [u for u in users if u["id"] not in hit_ids]
        else:
            users = hits
    size = int(body.get("pageSize") or 25)
    number = int(body.get("pageNumber") or 1)
    if not 1 <= size <= 100:
        raise ApiError(400, f"pageSize must be 1..100, got {size}")
    expand = set(body.get("expand") or [])
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
    return ok(paged(request, _user_skills(store, user_id), max_page_size=500))


def _skill_rows(store: Store, body: Any, *, many: bool) -> list[tuple[str, float]]:
    items = body if many else [body]
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ApiError(
            400,
            "Send " + ("a JSON array of " if many else "") + '{"id": skillId, "proficiency": 0..5}',
        )
    known = store.ids("skill")
    rows = []
    for i, item in enumerate(items):
        where = f"[{i}]" if many else ""
        skill_id = item.get("id")
        if skill_id not in known:
            raise ApiError(400, f"{where}id: skill {skill_id} does not exist")
        proficiency = item.get("proficiency", 0.0)
        if not isinstance(proficiency, int | float) or not 0.0 <= proficiency <= 5.0:
            raise ApiError(400, f"{where}proficiency must be 0.0..5.0, got {proficiency!r}")
        rows.append((skill_id, float(proficiency)))
    return rows


def _audit_skills(
    box: Any,
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
            entity_type="UserSkill",
            entity_id=user["id"],
            entity_name=user["name"],
            action="Update",
            changes=changes,
        )


async def upsert_user_skill(request: Request) -> Response:
    box = sandbox(request)
    user_id = request.path_params["userId"]
    user = _user_or_404(box.store, user_id)
    body = await json_body(request)
    if "skillId" in request.path_params and isinstance(body, dict):
        body = {**body, "id": request.path_params["skillId"]}
    ((skill_id, proficiency),) = _skill_rows(box.store, body, many=False)
    before = _user_skills(box.store, user_id)
    with box.store.transaction() as db:
        db.execute(
            "INSERT INTO user_skills (user_id, skill_id, proficiency, state) "
            "VALUES (?, ?, ?, 'active') ON CONFLICT(user_id, skill_id) "
            "DO UPDATE SET proficiency = excluded.proficiency",
            (user_id, skill_id, proficiency),
        )
        after = [s for s in before if s["id"] != skill_id] + [
            {"id": skill_id, "proficiency": proficiency}
        ]
        _audit_skills(box, db, request, user, before, after)
    return ok(next(s for s in _user_skills(box.store, user_id) if s["id"] == skill_id))


async def delete_user_skill(request: Request) -> Response:
    box = sandbox(request)
    user_id = request.path_params["userId"]
    user = _user_or_404(box.store, user_id)
    before = _user_skills(box.store, user_id)
    skill_id = request.path_params["skillId"]
    with box.store.transaction() as db:
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
    user = _user_or_404(box.store, user_id)
    rows = _skill_rows(box.store, await json_body(request), many=True)
    if len(rows) > 50:
        raise ApiError(400, f"{len(rows)} skills in one call; the maximum is 50")
    before = _user_skills(box.store, user_id)
    with box.store.transaction() as db:
        if request.method == "PUT":
            db.execute("DELETE FROM user_skills WHERE user_id = ?", (user_id,))
        db.executemany(
            "INSERT INTO user_skills (user_id, skill_id, proficiency, state) "
            "VALUES (?, ?, ?, 'active') ON CONFLICT(user_id, skill_id) "
            "DO UPDATE SET proficiency = excluded.proficiency",
            [(user_id, s, p) for s, p in rows],
        )
        after_rows = db.execute(
            "SELECT skill_id, proficiency FROM user_skills WHERE user_id = ?", (user_id,)
        ).fetchall()
        _audit_skills(
            box,
            db,
            request,
            user,
            before,
            [{"id": r["skill_id"], "proficiency": r["proficiency"]} for r in after_rows],
        )
    return ok(paged(request, _user_skills(box.store, user_id), max_page_size=500))


# --- groups --------------------------------------------------------------------------------


async def list_groups(request: Request) -> Response:
    return ok(paged(request, filter_named(request, sandbox(request).store.entities("group"))))


async def get_group(request: Request) -> Response:
    return ok(entity_or_404(request, "group", "Group", "groupId"))


async def list_group_members(request: Request) -> Response:
    store = sandbox(request).store
    group_id = request.path_params["groupId"]
    if store.get("group", group_id) is None:
        raise not_found("Group", group_id)
    rows = (
        store.read()
        .execute(
            "SELECT e.body FROM group_members g "
            "JOIN entities e ON e.kind = 'user' AND e.id = g.user_id "
            "WHERE g.group_id = ? ORDER BY e.name COLLATE NOCASE",
            (group_id,),
        )
        .fetchall()
    )
    return ok(paged(request, [json.loads(r["body"]) for r in rows]))


# --- utilization ---------------------------------------------------------------------------


def _stored_utilization(store: Store, scope: str) -> dict[str, Any] | None:
    row = store.read().execute("SELECT body FROM utilization WHERE scope = ?", (scope,)).fetchone()
    return None if row is None else json.loads(row["body"])


def _org_utilization(store: Store) -> dict[str, Any]:
    return _stored_utilization(store, "org") or {"utilization": copy.deepcopy(DEFAULT_UTILIZATION)}


def _validated_utilization(body: Any) -> dict[str, Any]:
    """PUT semantics: every media type the body omits goes back to the platform default."""
    model = parse_model(Utilization, body, "utilization")
    given = body.get("utilization") or {}
    if not isinstance(given, dict):
        raise ApiError(400, "utilization must be an object keyed by media type")
    result = copy.deepcopy(DEFAULT_UTILIZATION)
    for key, setting in given.items():
        if key not in MEDIA_KEYS:
            raise ApiError(
                400, f"utilization.{key}: unknown media type; use {', '.join(MEDIA_KEYS)}"
            )
        capacity = setting.get("maximumCapacity")
        if (
            capacity is None
            or isinstance(capacity, bool)
            or not isinstance(capacity, int)
            or not 0 <= capacity <= 25
        ):
            raise ApiError(
                400, f"utilization.{key}.maximumCapacity must be an integer 0..25, got {capacity!r}"
            )
        interrupt = setting.get("interruptableMediaTypes") or []
        unknown = [m for m in interrupt if m not in MEDIA_KEYS]
        if unknown:
            raise ApiError(
                400,
                f"utilization.{key}.interruptableMediaTypes: unknown "
                f"{', '.join(map(str, unknown))}",
            )
        result[key] = {
            "maximumCapacity": capacity,
            "interruptableMediaTypes": list(interrupt),
            "includeNonAcd": bool(setting.get("includeNonAcd", False)),
        }
    out: dict[str, Any] = {"utilization": result}
    if model.max_inbound_calls is not None:
        out["maxInboundCalls"] = model.max_inbound_calls
    if model.label_utilizations:
        out["labelUtilizations"] = body["labelUtilizations"]
    return out


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


async def org_utilization(request: Request) -> Response:
    box = sandbox(request)
    store = box.store
    old = _org_utilization(store)
    if request.method == "GET":
        return ok(old)
    new = (
        {"utilization": copy.deepcopy(DEFAULT_UTILIZATION)}
        if request.method == "DELETE"
        else _validated_utilization(await json_body(request))
    )
    with store.transaction() as db:
        db.execute(
            "INSERT INTO utilization (scope, body) VALUES ('org', ?) "
            "ON CONFLICT(scope) DO UPDATE SET body = excluded.body",
            (json.dumps(new),),
        )
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


async def user_utilization(request: Request) -> Response:
    """A user's own settings (level Agent), else the org's (level Organization)."""
    box = sandbox(request)
    store = box.store
    user_id = request.path_params["userId"]
    user = _user_or_404(store, user_id)
    own = _stored_utilization(store, user_id)
    current = {**(own or _org_utilization(store)), "level": "Agent" if own else "Organization"}
    if request.method == "GET":
        return ok(current)
    with store.transaction() as db:
        if request.method == "DELETE":
            db.execute("DELETE FROM utilization WHERE scope = ?", (user_id,))
            new = {**_org_utilization(store), "level": "Organization"}
        else:
            body = _validated_utilization(await json_body(request))
            db.execute(
                "INSERT INTO utilization (scope, body) VALUES (?, ?) "
                "ON CONFLICT(scope) DO UPDATE SET body = excluded.body",
                (user_id, json.dumps(body)),
            )
            new = {**body, "level": "Agent"}
        box.audit(
            db,
            request,
            entity_type="MaxAgentRoutingUtilizationCapacity",
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
