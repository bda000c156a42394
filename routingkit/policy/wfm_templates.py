"""WFM service goal templates that follow a plan's service-level changes.

When a plan changes a queue's service level (``mediaSettings.<media>.serviceLevel``), WFM should
schedule that queue to the same goal: the queue's planning group takes its goal from a service
goal template, so the plan changes that template too, and the apply writes it with the
template's ``metadata.version`` (WFM's optimistic concurrency: a template someone changed since
the plan read it is refused by the org, 409, and reported; never overwritten).

A template is changed only when doing so changes nothing else: every route path of every
planning group using it must be a queue and media type this plan moves to the same new goal.
Otherwise (the template is shared with queues the plan leaves alone, or with queues moving to
different goals, or the new goal cannot be written as WFM's whole percent and whole seconds)
the plan keeps the template as it is and says why, at the queue's policy path, so the user can
split the planning groups or change WFM by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..genesys import ForbiddenError, GenesysClient, NotFoundError
from ..genesys.wfm import PlanningGroup, ServiceGoalTemplate
from ..vocabulary.media import queue_media_key
from ..vocabulary.queue_fields import service_level_setting
from .compile import Finding
from .spec import goal_text

if TYPE_CHECKING:
    from .plan import QueuePlan

__all__ = [
    "TemplateChange",
    "UnitWfm",
    "WfmState",
    "read_wfm_state",
    "template_changes",
]


class TemplateChange(BaseModel):
    """One service goal template the plan changes: as read, and as it will be written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    business_unit_id: str
    business_unit_name: str | None = None
    template_id: str
    template_name: str
    version: int  # ``metadata.version`` when the plan read it: the apply sends it back
    base: dict[str, Any]  # the template as read (API JSON)
    desired: dict[str, Any]  # the template to write (API JSON, the same version)
    queues: list[str]  # "queue name / media" the template's planning groups route
    goal_before: str
    goal_after: str

    @property
    def label(self) -> str:
        """The apply's name for this change (the business unit tells same-named templates
        of different units apart)."""
        return f"(wfm) {self.business_unit_name or self.business_unit_id}: {self.template_name}"


@dataclass
class UnitWfm:
    """One business unit's planning groups and service goal templates, as read."""

    id: str
    name: str | None
    groups: list[PlanningGroup]
    templates: list[ServiceGoalTemplate]


@dataclass
class WfmState:
    """What the plan read from WFM; ``unavailable`` says why nothing was (None: it was)."""

    units: list[UnitWfm] = field(default_factory=list)
    unavailable: str | None = None


def read_wfm_state(client: GenesysClient) -> WfmState:
    """Every business unit's planning groups and templates; an org without WFM (or a client
    without permission to read it: 403 or 404) has none, and ``unavailable`` says so."""
    state = WfmState()
    try:
        for unit in client.wfm.business_units():
            if not unit.id:
                continue
            state.units.append(
                UnitWfm(
                    unit.id,
                    unit.name,
                    client.wfm.planning_groups(unit.id),
                    client.wfm.service_goal_templates(unit.id),
                )
            )
    except (ForbiddenError, NotFoundError) as exc:
        status = "403" if isinstance(exc, ForbiddenError) else "404"
        return WfmState(
            unavailable=f"WFM answered {status} (no workforce management in this org, or no "
            "permission to read it): WFM goals were neither compared nor changed"
        )
    return state


def _whole(goal: tuple[float, float]) -> tuple[int, int] | None:
    """The goal as WFM's whole percent and whole seconds, or None when it is not one."""
    percent, seconds = goal[0] * 100.0, goal[1]
    if not math.isclose(percent, round(percent), abs_tol=1e-6):
        return None
    if not math.isclose(seconds, round(seconds), abs_tol=1e-6):
        return None
    return round(percent), round(seconds)


def _template_goal(template: ServiceGoalTemplate) -> tuple[int, int] | None:
    level = template.service_level
    if level is None or not level.include or level.percent is None or level.seconds is None:
        return None
    return int(level.percent), int(level.seconds)


def template_changes(
    plans: Sequence[QueuePlan],
    wfm: WfmState,
    *,
    queue_name: Callable[[str], str | None] | None = None,
) -> tuple[list[TemplateChange], list[Finding]]:
    """The templates to change with ``plans`` (in the policy's order: finding paths index it),
    and a warning for every changed service level whose template is kept, saying why.
    ``queue_name``: the name of a queue outside the policy, by id (for those warnings)."""
    # (queue id, queue media key) -> (policy index, queue name, new goal) for every service
    # level this plan changes
    moved: dict[tuple[str, str], tuple[int, str, tuple[float, float]]] = {}
    for index, plan in enumerate(plans):
        if plan.queue_id is None or plan.action != "update":
            continue
        media = ((plan.desired or {}).get("mediaSettings") or {}).keys()
        for key in media:
            after = service_level_setting(plan.desired, key)
            if after is not None and after != service_level_setting(plan.base, key):
                moved[(plan.queue_id, key)] = (index, plan.queue_name, after)
    changes: list[TemplateChange] = []
    findings: list[Finding] = []
    if not moved or wfm.unavailable:
        return changes, findings
    known = {p.queue_id: p.queue_name for p in plans if p.queue_id is not None}

    def name_of(queue_id: str) -> str:
        if queue_id not in known:
            known[queue_id] = (queue_name(queue_id) if queue_name else None) or queue_id
        return known[queue_id]

    for unit in wfm.units:
        for template in unit.templates:
            if not template.id:
                continue
            users = [
                g
                for g in unit.groups
                if g.service_goal_template is not None and g.service_goal_template.id == template.id
            ]
            paths = [
                (path.queue.id, queue_media_key(str(path.media_type)), group.name or group.id)
                for group in users
                for path in group.route_paths or []
                if path.queue is not None and path.queue.id and path.media_type
            ]
            mine = [(q, k) for q, k, _ in paths if (q, k) in moved]
            if not mine:
                continue
            change = _change(unit, template, paths, moved, name_of, findings)
            if change is not None:
                changes.append(change)
    return changes, findings


def _change(
    unit: UnitWfm,
    template: ServiceGoalTemplate,
    paths: list[tuple[str, str, str | None]],
    moved: dict[tuple[str, str], tuple[int, str, tuple[float, float]]],
    name_of: Callable[[str], str],
    findings: list[Finding],
) -> TemplateChange | None:
    """The change of one template used by ``paths``, or None with a warning per moved queue."""
    name = template.name or str(template.id)
    current = _template_goal(template)
    asks = (
        f"asking {goal_text(current[0] / 100.0, float(current[1]))}" if current else "with no goal"
    )
    mine = sorted({(q, k) for q, k, _ in paths if (q, k) in moved})
    others = sorted({(q, k, g) for q, k, g in paths if (q, k) not in moved})
    goals = {moved[p][2] for p in mine}

    def keep(reason: str) -> None:
        for path in mine:
            index, queue_name, goal = moved[path]
            findings.append(
                Finding(
                    f"queues[{index}].media.{path[1]}.service_level",
                    f"{queue_name}: WFM's service goal template {name!r} ({asks}) is kept as it "
                    f"is, while the queue's {path[1]} service level moves to {goal_text(*goal)}, "
                    f"because {reason}; until then WFM staffs to one goal and service is "
                    "reported against the other",
                    "warning",
                )
            )

    if others:
        shown = ", ".join(
            f"{name_of(q)} / {k} (planning group {g!r})" for q, k, g in others[:3]
        ) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        keep(
            f"it is also the goal of {shown}, which this plan leaves alone; give those queues "
            "the same service level, or give the changed queue a planning group and template "
            "of its own in WFM"
        )
        return None
    if len(goals) > 1:
        keep(
            "the queues using it move to different goals ("
            + ", ".join(sorted(goal_text(*g) for g in goals))
            + "); give them one goal, or separate templates in WFM"
        )
        return None
    (goal,) = goals
    whole = _whole(goal)
    if whole is None:
        keep(
            f"WFM takes whole percents and whole seconds, and {goal_text(*goal)} is not one; "
            "round the service level in the policy"
        )
        return None
    version = template.metadata.version if template.metadata else None
    if version is None:
        keep("WFM returned it without metadata.version, which an update must carry")
        return None
    if _template_goal(template) == whole:
        return None  # WFM already schedules to the new goal
    base = template.to_api()
    level = dict(base.get("serviceLevel") or {})
    level.update({"include": True, "percent": whole[0], "seconds": whole[1]})
    desired = {**base, "serviceLevel": level}
    before = _template_goal(template)
    return TemplateChange(
        business_unit_id=unit.id,
        business_unit_name=unit.name,
        template_id=str(template.id),
        template_name=name,
        version=int(version),
        base=base,
        desired=desired,
        queues=[f"{moved[p][1]} / {p[1]}" for p in mine],
        goal_before=(
            goal_text(before[0] / 100.0, float(before[1])) if before else "no service level"
        ),
        goal_after=goal_text(whole[0] / 100.0, float(whole[1])),
    )
