"""Workforce management endpoints: business units, service goal templates, planning groups.

Shapes follow the official SDK's models (``BusinessUnitListing``, ``BusinessUnitResponse``,
``ServiceGoalTemplateList``, ``PlanningGroupList``...). Templates and planning groups are
versioned: a PATCH carries the ``metadata.version`` it read and a stale one answers 409 (see
:mod:`.wfm_store`). Short-term forecasts, their import and staffing requirements are in
:mod:`.api_wfm_forecasts`; both modules' routes are :data:`routes`. Activity codes and published
agent schedules are :mod:`.api_wfm_schedules`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import api_wfm_forecasts
from .errors import ApiError, bad_request, not_found
from .schemas import Id, Name, validated
from .service import Sandbox
from .store import Store
from .web import json_body, ok, query_list
from .wfm_seed import BASE, BU_KIND, PLANNING_GROUP_KIND, TEMPLATE_KIND, stored
from .wfm_store import bumped, business_unit, checked_version, child, children, ready

Percent = Annotated[int, Field(ge=0, le=100)]
Seconds = Annotated[int, Field(ge=0, le=7 * 86_400)]
TemplateName = Annotated[Name, StringConstraints(min_length=1, strip_whitespace=True)]


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class VersionRef(_Body):
    """``WfmVersionedEntityMetadata`` as an update sends it: the version it read."""

    version: int


class ServiceLevelBody(_Body):
    include: bool
    percent: Percent | None = None
    seconds: Seconds | None = None


class AsaBody(_Body):
    include: bool
    seconds: Seconds | None = None


class AbandonRateBody(_Body):
    include: bool
    percent: Percent | None = None


class TemplatePatch(_Body):
    """``UpdateServiceGoalTemplate``."""

    name: TemplateName | None = None
    service_level: ServiceLevelBody | None = None
    average_speed_of_answer: AsaBody | None = None
    abandon_rate: AbandonRateBody | None = None
    impact_override: dict[str, Any] | None = None
    metadata: VersionRef


class RoutePathBody(_Body):
    """``RoutePathRequest``."""

    queue_id: Id
    media_type: Literal["Voice", "Chat", "Email", "Callback", "Message", "Workitem"]
    language_id: Id | None = None
    skill_ids: list[Id] | None = None


class RoutePathsBody(_Body):
    """``SetWrapperRoutePathRequest``."""

    values: list[RoutePathBody]


class PlanningGroupPatch(_Body):
    """``UpdatePlanningGroupRequest``."""

    name: TemplateName | None = None
    route_paths: RoutePathsBody | None = None
    service_goal_template_id: Id | None = None
    metadata: VersionRef


# --- business units ------------------------------------------------------------------------


def _list_item(business: dict[str, Any]) -> dict[str, Any]:
    return {k: business[k] for k in ("id", "name", "division", "selfUri") if k in business}


async def list_business_units(request: Request) -> Response:
    box = ready(request)
    divisions = query_list(request, "divisionId")
    units = [
        r["entity"]
        for r in box.store.entities(BU_KIND)
        if not divisions or (r["entity"].get("division") or {}).get("id") in divisions
    ]
    return ok({"entities": [_list_item(u) for u in units]})


async def get_business_unit(request: Request) -> Response:
    """``expand=settings`` adds every setting; ``expand=settings.timeZone`` (...) just those."""
    box = ready(request)
    business = business_unit(box, request.path_params["businessUnitId"])
    expand = query_list(request, "expand")
    body = _list_item(business)
    settings = business.get("settings") or {}
    if "settings" in expand:
        body["settings"] = settings
    else:
        wanted = {e.split(".", 1)[1] for e in expand if e.startswith("settings.")}
        if wanted:
            body["settings"] = {k: v for k, v in settings.items() if k in wanted}
    return ok(body)


# --- service goal templates ----------------------------------------------------------------


async def list_templates(request: Request) -> Response:
    box = ready(request)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    return ok({"entities": children(box, TEMPLATE_KIND, bu_id)})


async def get_template(request: Request) -> Response:
    box = ready(request)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    template_id = request.path_params["templateId"]
    return ok(child(box, TEMPLATE_KIND, bu_id, template_id, "Service goal template"))


def _goal_checks(patch: TemplatePatch) -> None:
    level = patch.service_level
    if level is not None and level.include and (level.percent is None or level.seconds is None):
        raise bad_request(
            "serviceLevel: an included service level needs both percent and seconds",
            "serviceLevel",
        )
    asa = patch.average_speed_of_answer
    if asa is not None and asa.include and asa.seconds is None:
        raise bad_request(
            "averageSpeedOfAnswer: an included speed of answer needs seconds",
            "averageSpeedOfAnswer.seconds",
        )
    rate = patch.abandon_rate
    if rate is not None and rate.include and rate.percent is None:
        raise bad_request(
            "abandonRate: an included abandon rate needs percent", "abandonRate.percent"
        )


async def patch_template(request: Request) -> Response:
    """Change what the body names; the body's ``metadata.version`` must be the current one."""
    box = ready(request)
    patch = validated(TemplatePatch, await json_body(request), "service goal template")
    _goal_checks(patch)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    template_id = request.path_params["templateId"]
    with box.store.transaction() as db:
        current = child(box, TEMPLATE_KIND, bu_id, template_id, "Service goal template")
        checked_version(current, patch.metadata.version, "Service goal template")
        if patch.name is not None and any(
            t["name"].lower() == patch.name.lower() and t["id"] != template_id
            for t in children(box, TEMPLATE_KIND, bu_id)
        ):
            raise ApiError(
                409, f"A service goal template named {patch.name!r} already exists", None
            )
        updated = bumped(current, request)
        changes = patch.model_dump(
            by_alias=True, exclude_none=True, exclude={"metadata"}, mode="json"
        )
        for key, value in changes.items():
            updated[key] = {**updated.get(key, {}), **value} if isinstance(value, dict) else value
        Store.put(db, TEMPLATE_KIND, stored(updated, bu_id))
    return ok(updated)


# --- planning groups -----------------------------------------------------------------------


async def list_planning_groups(request: Request) -> Response:
    box = ready(request)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    return ok({"entities": children(box, PLANNING_GROUP_KIND, bu_id)})


async def get_planning_group(request: Request) -> Response:
    box = ready(request)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    group_id = request.path_params["planningGroupId"]
    return ok(child(box, PLANNING_GROUP_KIND, bu_id, group_id, "Planning group"))


def _route_paths(
    box: Sandbox, bu_id: str, group_id: str, paths: list[RoutePathBody]
) -> list[dict[str, Any]]:
    """The route paths as stored, each queue and skill checked; a path may belong to one group."""
    taken = {
        (p["queue"]["id"], p["mediaType"]): g["name"]
        for g in children(box, PLANNING_GROUP_KIND, bu_id)
        if g["id"] != group_id
        for p in g.get("routePaths") or []
    }
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, path in enumerate(paths):
        where = f"routePaths.values[{i}]"
        if box.store.get("queue", path.queue_id) is None:
            raise bad_request(f"{where}.queueId: no queue {path.queue_id}", f"{where}.queueId")
        key = (path.queue_id, path.media_type)
        if key in taken or key in seen:
            owner = taken.get(key, "this planning group")
            raise bad_request(
                f"{where}: queue {path.queue_id} with media type {path.media_type} is already "
                f"routed to planning group {owner!r}; a route path belongs to one group",
                where,
            )
        seen.add(key)
        stored_path: dict[str, Any] = {
            "queue": {"id": path.queue_id, "selfUri": f"/api/v2/routing/queues/{path.queue_id}"},
            "mediaType": path.media_type,
        }
        if path.language_id:
            stored_path["language"] = {
                "id": path.language_id,
                "selfUri": f"/api/v2/routing/languages/{path.language_id}",
            }
        if path.skill_ids:
            for j, skill_id in enumerate(path.skill_ids):
                if box.store.get("skill", skill_id) is None:
                    raise bad_request(
                        f"{where}.skillIds[{j}]: no skill {skill_id}", f"{where}.skillIds[{j}]"
                    )
            stored_path["skills"] = [
                {"id": s, "selfUri": f"/api/v2/routing/skills/{s}"} for s in path.skill_ids
            ]
        out.append(stored_path)
    return out


async def patch_planning_group(request: Request) -> Response:
    box = ready(request)
    patch = validated(PlanningGroupPatch, await json_body(request), "planning group")
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    group_id = request.path_params["planningGroupId"]
    with box.store.transaction() as db:
        current = child(box, PLANNING_GROUP_KIND, bu_id, group_id, "Planning group")
        checked_version(current, patch.metadata.version, "Planning group")
        updated = bumped(current, request)
        if patch.name is not None:
            updated["name"] = patch.name
        if patch.service_goal_template_id is not None:
            template_id = patch.service_goal_template_id
            if box.store.get(TEMPLATE_KIND, template_id) is None:
                raise not_found("Service goal template", template_id)
            updated["serviceGoalTemplate"] = {
                "id": template_id,
                "selfUri": f"{BASE}/{bu_id}/servicegoaltemplates/{template_id}",
            }
        if patch.route_paths is not None:
            updated["routePaths"] = _route_paths(
                box, bu_id, group_id, list(patch.route_paths.values)
            )
        Store.put(db, PLANNING_GROUP_KIND, stored(updated, bu_id))
    return ok(updated)


_BU = "/api/v2/workforcemanagement/businessunits"

routes: list[Route] = [
    Route(_BU, list_business_units, methods=["GET"]),
    Route(f"{_BU}/{{businessUnitId}}", get_business_unit, methods=["GET"]),
    Route(f"{_BU}/{{businessUnitId}}/servicegoaltemplates", list_templates, methods=["GET"]),
    Route(
        f"{_BU}/{{businessUnitId}}/servicegoaltemplates/{{templateId}}",
        get_template,
        methods=["GET"],
    ),
    Route(
        f"{_BU}/{{businessUnitId}}/servicegoaltemplates/{{templateId}}",
        patch_template,
        methods=["PATCH"],
    ),
    Route(f"{_BU}/{{businessUnitId}}/planninggroups", list_planning_groups, methods=["GET"]),
    Route(
        f"{_BU}/{{businessUnitId}}/planninggroups/{{planningGroupId}}",
        get_planning_group,
        methods=["GET"],
    ),
    Route(
        f"{_BU}/{{businessUnitId}}/planninggroups/{{planningGroupId}}",
        patch_planning_group,
        methods=["PATCH"],
    ),
    *api_wfm_forecasts.routes,
]
