"""Routing endpoints: queues, queue members, wrap-up codes and skills.

Every write reads and validates its body first, then does its read-check-write in one
transaction with no ``await`` inside: a DELETE cannot slip between the check that a queue exists
and the write that depends on it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sqlite3
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..vocabulary.audit import AuditAction
from ..vocabulary.queue_fields import queue_defaults
from .errors import ApiError, bad_request, not_found
from .listing import Listing, body_of, entities_of, list_page
from .member_groups import members_of
from .schemas import (
    EntityIdRef,
    MemberChange,
    MemberJoin,
    QueueCreateBody,
    SkillBody,
    unique_ids,
    validated,
)
from .seed import default_media_settings
from .service import Sandbox, property_changes
from .store import Store
from .validation import check_references, parse_queue
from .web import (
    entity_or_404,
    json_body,
    no_content,
    now_iso,
    ok,
    query_bool,
    query_list,
    sandbox,
)

MAX_MEMBERS_PER_CALL = 100


# --- queues --------------------------------------------------------------------------------


def _audit_queue(
    box: Sandbox,
    db: sqlite3.Connection,
    request: Request,
    queue_id: str,
    name: str,
    action: AuditAction,
    changes: list[dict[str, Any]],
) -> None:
    """Record a change to a queue (its settings, members or wrap-up codes) in the audit log."""
    box.audit(
        db,
        request,
        entity_type="Queue",
        entity_id=queue_id,
        entity_name=name,
        action=action,
        changes=changes,
    )


def _queue_or_404(store: Store, queue_id: str) -> dict[str, Any]:
    queue = store.get("queue", queue_id)
    if queue is None:
        raise not_found("Queue", queue_id)
    return queue


def _counts(store: Store, queue_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """(members, user members, joined members) per queue, in one query."""
    if not queue_ids:
        return {}
    rows = (
        store.read()
        .execute(
            "SELECT queue_id, COUNT(*), SUM(member_by = 'user'), SUM(joined) FROM queue_members "
            f"WHERE queue_id IN ({', '.join('?' * len(queue_ids))}) GROUP BY queue_id",
            queue_ids,
        )
        .fetchall()
    )
    return {r[0]: (r[1] or 0, r[2] or 0, r[3] or 0) for r in rows}


def _rendered(
    store: Store, queue: dict[str, Any], counts: tuple[int, int, int] | None = None
) -> dict[str, Any]:
    """A stored queue as the platform answers it: member counts, and conditional group
    routing's first rule naming the queue itself (it is stored without; a PUT refuses it)."""
    members, users, joined = counts or _counts(store, [queue["id"]]).get(queue["id"], (0, 0, 0))
    body = {
        **queue,
        "memberCount": members,
        "userMemberCount": users,
        "joinedMemberCount": joined,
    }
    rules = (queue.get("conditionalGroupRouting") or {}).get("rules")
    if rules:
        first = {
            **rules[0],
            "queue": {"id": queue["id"], "selfUri": f"/api/v2/routing/queues/{queue['id']}"},
        }
        body["conditionalGroupRouting"] = {
            **queue["conditionalGroupRouting"],
            "rules": [first, *rules[1:]],
        }
    return body


def _sync_group_members(db: sqlite3.Connection, queue_id: str, queue: dict[str, Any]) -> None:
    """Members that come from the queue's member groups (groups, teams, skill groups) follow
    the groups. A skill group's members are taken as they are when the queue is written."""
    db.execute("DELETE FROM queue_members WHERE queue_id = ? AND member_by = 'group'", (queue_id,))
    for group in queue.get("memberGroups") or []:
        db.executemany(
            "INSERT OR IGNORE INTO queue_members (queue_id, user_id, ring_number, joined, "
            "member_by) VALUES (?, ?, 1, 1, 'group')",
            [(queue_id, u) for u in members_of(db, group.get("type") or "GROUP", group["id"])],
        )


async def list_queues(request: Request) -> Response:
    store = sandbox(request).store
    listing = (
        entities_of("queue")
        .name_like("e.name", request.query_params.get("name"))
        .one_of("e.id", query_list(request, "id"))
        .one_of("json_extract(e.body, '$.division.id')", query_list(request, "divisionId"))
    )
    body = list_page(request, store.read(), listing, body_of)
    counts = _counts(store, [q["id"] for q in body["entities"]])
    body["entities"] = [
        _rendered(store, q, counts.get(q["id"], (0, 0, 0))) for q in body["entities"]
    ]
    return ok(body)


async def get_queue(request: Request) -> Response:
    store = sandbox(request).store
    return ok(_rendered(store, _queue_or_404(store, request.path_params["queueId"])))


def _complete(data: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    queue = {**base, **data}
    for key, value in queue_defaults().items():
        queue.setdefault(key, value)
    return queue


async def create_queue(request: Request) -> Response:
    box = sandbox(request)
    store = box.store
    body = await json_body(request)
    source_id = validated(QueueCreateBody, body, "queue").source_queue_id
    parsed = parse_queue(body, create=True) if source_id is None else None
    with store.transaction() as db:
        if parsed is None:  # copy the source queue's configuration under the new name
            source = _queue_or_404(store, str(source_id))
            base = {k: v for k, v in source.items() if k not in ("id", "name", "selfUri")}
            parsed = parse_queue({**copy.deepcopy(base), **body}, create=True)
        model, data = parsed
        check_references(model, store, queue_id=None)
        queue_id = str(uuid.uuid4())
        now = now_iso()
        actor = request.scope["state"].get("client_id", "")
        division = store.get("division", box.org.division_id) or {}
        queue = _complete(
            data,
            {
                "id": queue_id,
                "division": {
                    "id": division.get("id"),
                    "name": division.get("name"),
                    "selfUri": division.get("selfUri"),
                },
                "mediaSettings": default_media_settings(),
                "acwSettings": {"wrapupPrompt": "OPTIONAL"},
            },
        )
        queue["name"] = queue["name"].strip()
        queue.update(
            dateCreated=now,
            dateModified=now,
            createdBy=actor,
            modifiedBy=actor,
            selfUri=f"/api/v2/routing/queues/{queue_id}",
        )
        Store.put(db, "queue", queue)
        _sync_group_members(db, queue_id, queue)
        _audit_queue(
            box, db, request, queue_id, queue["name"], "Create", property_changes(None, queue)
        )
    return ok(_rendered(store, queue))


async def update_queue(request: Request) -> Response:
    """PUT replaces the whole queue: whatever the body omits is cleared, as on the platform."""
    box = sandbox(request)
    store = box.store
    queue_id = request.path_params["queueId"]
    model, data = parse_queue(await json_body(request))
    with store.transaction() as db:
        old = _queue_or_404(store, queue_id)
        check_references(model, store, queue_id=queue_id)
        kept: dict[str, Any] = {
            k: old[k] for k in ("id", "dateCreated", "createdBy", "selfUri", "division") if k in old
        }
        queue = _complete(data, kept)
        queue["name"] = queue["name"].strip()
        queue.update(dateModified=now_iso(), modifiedBy=request.scope["state"].get("client_id", ""))
        Store.put(db, "queue", queue)
        _sync_group_members(db, queue_id, queue)
        _audit_queue(
            box, db, request, queue_id, queue["name"], "Update", property_changes(old, queue)
        )
    return ok(_rendered(store, queue))


async def delete_queue(request: Request) -> Response:
    box = sandbox(request)
    store = box.store
    queue_id = request.path_params["queueId"]
    force = query_bool(request, "forceDelete")
    with store.transaction() as db:
        old = _queue_or_404(store, queue_id)
        referenced = [
            q["name"]
            for q in store.entities("queue")
            for rule in ((q.get("conditionalGroupRouting") or {}).get("rules") or [])
            if (rule.get("queue") or {}).get("id") == queue_id
        ]
        if referenced and not force:
            raise ApiError(
                409,
                f"Queue {old['name']!r} is named by the conditional group routing of "
                f"{', '.join(sorted(set(referenced)))}; remove those rules first or "
                "pass forceDelete=true",
                "general.conflict",
            )
        Store.delete(db, "queue", queue_id)
        db.execute("DELETE FROM queue_members WHERE queue_id = ?", (queue_id,))
        db.execute("DELETE FROM queue_wrapupcodes WHERE queue_id = ?", (queue_id,))
        _audit_queue(box, db, request, queue_id, old["name"], "Delete", property_changes(old, None))
    return no_content()


# --- members -------------------------------------------------------------------------------


def _routing_status(user_id: str, joined: bool) -> dict[str, Any]:
    # Deterministic stand-in for live agent state: joined members are idle or interacting.
    digest = hashlib.blake2b(user_id.encode(), digest_size=2).digest()
    status = "OFF_QUEUE" if not joined else ("INTERACTING" if digest[0] % 3 else "IDLE")
    return {"userId": user_id, "status": status, "startTime": now_iso()}


async def list_members(request: Request) -> Response:
    store = sandbox(request).store
    queue_id = request.path_params["queueId"]
    _queue_or_404(store, queue_id)
    listing = Listing(
        "m.user_id, m.ring_number, m.joined, m.member_by, e.body",
        "queue_members m JOIN entities e ON e.kind = 'user' AND e.id = m.user_id",
        ("e.name COLLATE NOCASE", "m.user_id"),
    ).where("m.queue_id = ?", queue_id)
    joined = query_bool(request, "joined")
    if joined is not None:
        listing = listing.where("m.joined = ?", int(joined))
    member_by = request.query_params.get("memberBy")
    if member_by:
        if member_by not in ("user", "group"):
            raise bad_request(f"memberBy must be user or group, got {member_by[:40]!r}", "memberBy")
        listing = listing.where("m.member_by = ?", member_by)
    # Members' name filter is a contains-style search on the platform.
    listing = listing.name_like("e.name", request.query_params.get("name"), contains=True)
    expand = set(query_list(request, "expand"))

    def render(row: sqlite3.Row) -> dict[str, Any]:
        user = json.loads(row["body"])
        member: dict[str, Any] = {
            "id": row["user_id"],
            "name": user["name"],
            "user": {k: user[k] for k in ("id", "name", "email", "state", "selfUri") if k in user},
            "ringNumber": row["ring_number"],
            "joined": bool(row["joined"]),
            "memberBy": row["member_by"],
            "selfUri": f"/api/v2/routing/queues/{queue_id}/members/{row['user_id']}",
        }
        if "routingStatus" in expand:
            member["routingStatus"] = _routing_status(row["user_id"], bool(row["joined"]))
        return member

    body = list_page(
        request, store.read(), listing, render, max_size=MAX_MEMBERS_PER_CALL, totals=False
    )
    return ok(body)


def _batch_size_ok(body: Any, what: str) -> None:
    if isinstance(body, list) and len(body) > MAX_MEMBERS_PER_CALL:
        raise ApiError(
            400,
            f"{len(body)} {what} in one call; the maximum is "
            f"{MAX_MEMBERS_PER_CALL}: send them in batches",
        )


async def add_or_remove_members(request: Request) -> Response:
    box = sandbox(request)
    store = box.store
    queue_id = request.path_params["queueId"]
    body = await json_body(request)
    delete = bool(query_bool(request, "delete"))
    _batch_size_ok(body, "members")
    ids = [m.id for m in validated(list[EntityIdRef], body, "queue members")]
    unique_ids(ids, "queue members")
    with store.transaction() as db:
        queue = _queue_or_404(store, queue_id)
        known = {r["id"] for r in store.get_many("user", ids)}
        missing = [u for u in ids if u not in known]
        if missing:
            raise ApiError(400, f"Unknown user id(s): {', '.join(missing[:5])}", "bad.request")
        current = {
            r["user_id"]: r["member_by"]
            for r in db.execute(
                "SELECT user_id, member_by FROM queue_members WHERE queue_id = ?", (queue_id,)
            )
        }
        via_group = [u for u in ids if current.get(u) == "group"]
        if via_group:
            raise ApiError(
                400,
                f"User(s) {', '.join(via_group[:5])} belong to this queue through "
                "a member group; change the group instead",
                "bad.request",
            )
        if delete:
            changed = [u for u in ids if u in current]
            db.executemany(
                "DELETE FROM queue_members WHERE queue_id = ? AND user_id = ?",
                [(queue_id, u) for u in changed],
            )
        else:
            changed = [u for u in ids if u not in current]
            db.executemany(
                "INSERT INTO queue_members (queue_id, user_id, ring_number, joined, member_by) "
                "VALUES (?, ?, 1, 1, 'user')",
                [(queue_id, u) for u in changed],
            )
        if changed:
            key = "oldValues" if delete else "newValues"
            change = {"property": "members", "oldValues": [], "newValues": [], key: changed}
            _audit_queue(
                box,
                db,
                request,
                queue_id,
                queue["name"],
                "MemberRemove" if delete else "MemberAdd",
                [change],
            )
    return no_content()


def _member_update(
    db: sqlite3.Connection,
    queue_id: str,
    user_id: str,
    *,
    ring: int | None = None,
    joined: bool | None = None,
) -> list[dict[str, Any]]:
    row = db.execute(
        "SELECT ring_number, joined FROM queue_members WHERE queue_id = ? AND user_id = ?",
        (queue_id, user_id),
    ).fetchone()
    if row is None:
        raise not_found(f"Member of queue {queue_id}:", user_id)
    changes = []
    if ring is not None:
        db.execute(
            "UPDATE queue_members SET ring_number = ? WHERE queue_id = ? AND user_id = ?",
            (ring, queue_id, user_id),
        )
        changes.append(
            {
                "property": f"members.{user_id}.ringNumber",
                "oldValues": [str(row["ring_number"])],
                "newValues": [str(ring)],
            }
        )
    if joined is not None:
        db.execute(
            "UPDATE queue_members SET joined = ? WHERE queue_id = ? AND user_id = ?",
            (int(joined), queue_id, user_id),
        )
        changes.append(
            {
                "property": f"members.{user_id}.joined",
                "oldValues": [str(bool(row["joined"])).lower()],
                "newValues": [str(joined).lower()],
            }
        )
    return changes


async def patch_member(request: Request) -> Response:
    box = sandbox(request)
    queue_id = request.path_params["queueId"]
    change = validated(MemberChange, await json_body(request), "queue member")
    ring = change.ring_number
    if ring is not None and not 1 <= ring <= 6:
        raise bad_request(f"ringNumber must be an integer 1..6, got {ring}", "ringNumber")
    with box.store.transaction() as db:
        queue = _queue_or_404(box.store, queue_id)
        changes = _member_update(
            db, queue_id, request.path_params["memberId"], ring=ring, joined=change.joined
        )
        if changes:
            _audit_queue(box, db, request, queue_id, queue["name"], "MemberUpdate", changes)
    return Response(status_code=202)


async def patch_members(request: Request) -> Response:
    box = sandbox(request)
    queue_id = request.path_params["queueId"]
    body = await json_body(request)
    _batch_size_ok(body, "members")
    patches = validated(list[MemberJoin], body, "queue members")
    ids = [p.id for p in patches]
    unique_ids(ids, "queue members")
    with box.store.transaction() as db:
        queue = _queue_or_404(box.store, queue_id)
        changes: list[dict[str, Any]] = []
        for patch in patches:
            changes += _member_update(db, queue_id, patch.id, joined=patch.joined)
        if changes:
            _audit_queue(box, db, request, queue_id, queue["name"], "MemberUpdate", changes)
        rows = db.execute(
            f"SELECT user_id, ring_number, joined, member_by FROM queue_members WHERE queue_id = ? "
            f"AND user_id IN ({', '.join('?' * len(ids))})",
            [queue_id, *ids],
        ).fetchall()
    entities = [
        {
            "id": r["user_id"],
            "ringNumber": r["ring_number"],
            "joined": bool(r["joined"]),
            "memberBy": r["member_by"],
        }
        for r in rows
    ]
    return ok({"entities": entities, "pageSize": len(entities), "pageNumber": 1})


async def delete_member(request: Request) -> Response:
    box = sandbox(request)
    queue_id = request.path_params["queueId"]
    user_id = request.path_params["memberId"]
    with box.store.transaction() as db:
        queue = _queue_or_404(box.store, queue_id)
        row = db.execute(
            "SELECT member_by FROM queue_members WHERE queue_id = ? AND user_id = ?",
            (queue_id, user_id),
        ).fetchone()
        if row is None:
            raise not_found(f"Member of queue {queue_id}:", user_id)
        if row["member_by"] == "group":
            raise ApiError(400, f"User {user_id} belongs through a member group; change the group")
        db.execute(
            "DELETE FROM queue_members WHERE queue_id = ? AND user_id = ?", (queue_id, user_id)
        )
        _audit_queue(
            box,
            db,
            request,
            queue_id,
            queue["name"],
            "MemberRemove",
            [{"property": "members", "oldValues": [user_id], "newValues": []}],
        )
    return no_content()


# --- wrap-up codes -------------------------------------------------------------------------


async def list_wrapupcodes(request: Request) -> Response:
    listing = (
        entities_of("wrapupcode")
        .name_like("e.name", request.query_params.get("name"))
        .one_of("e.id", query_list(request, "id"))
    )
    return ok(list_page(request, sandbox(request).store.read(), listing, body_of))


async def get_wrapupcode(request: Request) -> Response:
    return ok(entity_or_404(request, "wrapupcode", "Wrap-up code", "codeId"))


async def list_queue_wrapupcodes(request: Request) -> Response:
    store = sandbox(request).store
    queue_id = request.path_params["queueId"]
    _queue_or_404(store, queue_id)
    listing = (
        Listing(
            "e.body",
            "queue_wrapupcodes w JOIN entities e ON e.kind = 'wrapupcode' AND e.id = w.code_id",
            ("e.name COLLATE NOCASE", "e.id"),
        )
        .where("w.queue_id = ?", queue_id)
        .name_like("e.name", request.query_params.get("name"))
        .one_of("e.id", query_list(request, "id"))
    )
    return ok(list_page(request, store.read(), listing, body_of))


async def add_queue_wrapupcodes(request: Request) -> Response:
    box = sandbox(request)
    queue_id = request.path_params["queueId"]
    body = await json_body(request)
    ids = [c.id for c in validated(list[EntityIdRef], body, "queue wrap-up codes")]
    unique_ids(ids, "queue wrap-up codes")
    with box.store.transaction() as db:
        queue = _queue_or_404(box.store, queue_id)
        codes = box.store.get_many("wrapupcode", ids)
        missing = sorted(set(ids) - {c["id"] for c in codes})
        if missing:
            raise ApiError(400, f"Unknown wrap-up code id(s): {', '.join(missing)}")
        db.executemany(
            "INSERT OR IGNORE INTO queue_wrapupcodes (queue_id, code_id) VALUES (?, ?)",
            [(queue_id, i) for i in ids],
        )
        _audit_queue(
            box,
            db,
            request,
            queue_id,
            queue["name"],
            "WrapupCodeAdd",
            [{"property": "wrapupCodes", "oldValues": [], "newValues": ids}],
        )
    return ok(codes)


async def delete_queue_wrapupcode(request: Request) -> Response:
    box = sandbox(request)
    queue_id = request.path_params["queueId"]
    code_id = request.path_params["codeId"]
    with box.store.transaction() as db:
        queue = _queue_or_404(box.store, queue_id)
        gone = db.execute(
            "DELETE FROM queue_wrapupcodes WHERE queue_id = ? AND code_id = ?", (queue_id, code_id)
        ).rowcount
        if not gone:
            raise not_found(f"Wrap-up code of queue {queue_id}:", code_id)
        _audit_queue(
            box,
            db,
            request,
            queue_id,
            queue["name"],
            "WrapupCodeRemove",
            [{"property": "wrapupCodes", "oldValues": [code_id], "newValues": []}],
        )
    return no_content()


# --- skills --------------------------------------------------------------------------------


async def list_skills(request: Request) -> Response:
    listing = (
        entities_of("skill")
        .name_like("e.name", request.query_params.get("name"))
        .one_of("e.id", query_list(request, "id"))
    )
    return ok(list_page(request, sandbox(request).store.read(), listing, body_of))


async def get_skill(request: Request) -> Response:
    return ok(entity_or_404(request, "skill", "Skill", "skillId"))


async def create_skill(request: Request) -> Response:
    box = sandbox(request)
    request_skill = validated(SkillBody, await json_body(request), "skill")
    name = request_skill.name.strip()
    if not name:
        raise bad_request("name: a skill needs a non-empty name", "name")
    division_id = (request_skill.division.id if request_skill.division else None) or (
        box.org.division_id
    )
    with box.store.transaction() as db:
        if box.store.find_by_name("skill", name) is not None:
            raise ApiError(409, f"A skill named {name!r} already exists", "general.conflict")
        division = box.store.get("division", division_id)
        if division is None:
            raise bad_request(f"division.id: division {division_id} does not exist", "division.id")
        skill_id = str(uuid.uuid4())
        skill = {
            "id": skill_id,
            "name": name,
            "state": "active",
            "version": "1",
            "dateModified": now_iso(),
            "division": division,
            "selfUri": f"/api/v2/routing/skills/{skill_id}",
        }
        Store.put(db, "skill", skill)
        box.audit(
            db,
            request,
            entity_type="RoutingSkill",
            entity_id=skill_id,
            entity_name=name,
            action="Create",
            changes=property_changes(None, skill),
        )
    return ok(skill)


async def delete_skill(request: Request) -> Response:
    box = sandbox(request)
    skill_id = request.path_params["skillId"]
    with box.store.transaction() as db:
        skill = box.store.get("skill", skill_id)
        if skill is None:
            raise not_found("Skill", skill_id)
        Store.delete(db, "skill", skill_id)
        db.execute("DELETE FROM user_skills WHERE skill_id = ?", (skill_id,))
        box.audit(
            db,
            request,
            entity_type="RoutingSkill",
            entity_id=skill_id,
            entity_name=skill["name"],
            action="Delete",
            changes=property_changes(skill, None),
        )
    return no_content()


routes = [
    Route("/api/v2/routing/queues", list_queues, methods=["GET"]),
    Route("/api/v2/routing/queues", create_queue, methods=["POST"]),
    Route("/api/v2/routing/queues/{queueId}", get_queue, methods=["GET"]),
    Route("/api/v2/routing/queues/{queueId}", update_queue, methods=["PUT"]),
    Route("/api/v2/routing/queues/{queueId}", delete_queue, methods=["DELETE"]),
    Route("/api/v2/routing/queues/{queueId}/members", list_members, methods=["GET"]),
    Route("/api/v2/routing/queues/{queueId}/members", add_or_remove_members, methods=["POST"]),
    Route("/api/v2/routing/queues/{queueId}/members", patch_members, methods=["PATCH"]),
    Route("/api/v2/routing/queues/{queueId}/members/{memberId}", patch_member, methods=["PATCH"]),
    Route("/api/v2/routing/queues/{queueId}/members/{memberId}", delete_member, methods=["DELETE"]),
    Route("/api/v2/routing/queues/{queueId}/wrapupcodes", list_queue_wrapupcodes, methods=["GET"]),
    Route("/api/v2/routing/queues/{queueId}/wrapupcodes", add_queue_wrapupcodes, methods=["POST"]),
    Route(
        "/api/v2/routing/queues/{queueId}/wrapupcodes/{codeId}",
        delete_queue_wrapupcode,
        methods=["DELETE"],
    ),
    Route("/api/v2/routing/wrapupcodes", list_wrapupcodes, methods=["GET"]),
    Route("/api/v2/routing/wrapupcodes/{codeId}", get_wrapupcode, methods=["GET"]),
    Route("/api/v2/routing/skills", list_skills, methods=["GET"]),
    Route("/api/v2/routing/skills", create_skill, methods=["POST"]),
    Route("/api/v2/routing/skills/{skillId}", get_skill, methods=["GET"]),
    Route("/api/v2/routing/skills/{skillId}", delete_skill, methods=["DELETE"]),
]
