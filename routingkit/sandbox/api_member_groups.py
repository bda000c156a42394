"""Teams and skill groups: the member-group types besides groups (``/api/v2/groups``).

Read-only here (the sandbox seeds them): list, get and members, each listing paged with
``after``/``before`` cursors and without totals, as the platform pages them. A listing's
``name`` keeps the entities whose name starts with it, case-insensitively (the SDK's
``get_teams``/``get_routing_skillgroups``). A skill group's members are computed from its
``skillConditions`` on every read (:mod:`.member_groups`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .listing import body_of, cursor_page, entities_of, like_pattern
from .member_groups import members_of, skill_group_members
from .store import Store
from .web import entity_or_404, ok, sandbox

# A skill group's listing entry is its definition: the SDK's SkillGroupDefinition has no
# status and no conditions.
_DEFINITION_FIELDS = (
    "id",
    "name",
    "division",
    "description",
    "memberCount",
    "dateModified",
    "dateCreated",
    "selfUri",
)


def _named(request: Request, kind: str) -> list[dict[str, Any]]:
    listing = entities_of(kind)
    name = request.query_params.get("name")
    if name:
        listing = listing.where("e.name LIKE ? ESCAPE '\\'", like_pattern(name) + "%")
    return [body_of(r) for r in listing.all(sandbox(request).store.read())]


def _users(store: Store, user_ids: list[str]) -> list[dict[str, Any]]:
    """``UserReferenceWithName`` entries, in name order."""
    users = store.get_many("user", user_ids)
    users.sort(key=lambda u: (str(u.get("name", "")).casefold(), u["id"]))
    return [{"id": u["id"], "name": u.get("name"), "selfUri": u.get("selfUri")} for u in users]


# --- teams -------------------------------------------------------------------------------------


def _team(store: Store, team: dict[str, Any]) -> dict[str, Any]:
    return {**team, "memberCount": len(members_of(store.read(), "TEAM", team["id"]))}


async def list_teams(request: Request) -> Response:
    store = sandbox(request).store
    return ok(cursor_page(request, [_team(store, t) for t in _named(request, "team")]))


async def get_team(request: Request) -> Response:
    store = sandbox(request).store
    return ok(_team(store, entity_or_404(request, "team", "Team", "teamId")))


async def list_team_members(request: Request) -> Response:
    store = sandbox(request).store
    team = entity_or_404(request, "team", "Team", "teamId")
    return ok(cursor_page(request, _users(store, members_of(store.read(), "TEAM", team["id"]))))


# --- skill groups ------------------------------------------------------------------------------


def _skill_group(store: Store, group: dict[str, Any]) -> dict[str, Any]:
    return {**group, "memberCount": len(skill_group_members(store.read(), group))}


async def list_skill_groups(request: Request) -> Response:
    store = sandbox(request).store
    definitions = [
        {k: v for k, v in _skill_group(store, g).items() if k in _DEFINITION_FIELDS}
        for g in _named(request, "skillgroup")
    ]
    return ok(cursor_page(request, definitions))


async def get_skill_group(request: Request) -> Response:
    store = sandbox(request).store
    return ok(_skill_group(store, entity_or_404(request, "skillgroup", "Skill group", "groupId")))


async def list_skill_group_members(request: Request) -> Response:
    store = sandbox(request).store
    group = entity_or_404(request, "skillgroup", "Skill group", "groupId")
    return ok(cursor_page(request, _users(store, skill_group_members(store.read(), group))))


routes = [
    Route("/api/v2/teams", list_teams, methods=["GET"]),
    Route("/api/v2/teams/{teamId}", get_team, methods=["GET"]),
    Route("/api/v2/teams/{teamId}/members", list_team_members, methods=["GET"]),
    Route("/api/v2/routing/skillgroups", list_skill_groups, methods=["GET"]),
    Route("/api/v2/routing/skillgroups/{groupId}", get_skill_group, methods=["GET"]),
    Route(
        "/api/v2/routing/skillgroups/{groupId}/members", list_skill_group_members, methods=["GET"]
    ),
]
