"""Does a queue's service level, after a plan, agree with the goal WFM schedules it to?

WFM staffs each planning group to its service goal template; the queue's own
``mediaSettings.<media>.serviceLevel`` is what the platform's reports measure against. When the
two disagree, agents are scheduled for one goal and service is judged by another. A plan warns
about every queue it changes whose service level, after the change, disagrees with the goal of
its planning group (one finding per queue and media type, at the policy path of that setting).

An org without WFM, or a client without WFM permissions (403 or 404 from the business-unit
listing or its planning groups), has no WFM goals: nothing is compared, and the plan's
assumptions say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..genesys.models import queue_media_key
from ..genesys.wfm import ServiceGoalTemplate
from ..vocabulary.queue_fields import service_level_setting
from .compile import Finding
from .goals import GoalKey, ServiceGoal
from .spec import goal_text
from .wfm_sync import goals_from_planning_groups
from .wfm_templates import TemplateChange, WfmState

if TYPE_CHECKING:
    from .plan import QueuePlan


@dataclass
class WfmGoals:
    """WFM's goals by (queue id, analytics media type); ``unavailable`` says why there are
    none to compare with (None: WFM was read)."""

    goals: dict[GoalKey, ServiceGoal] = field(default_factory=dict)
    unavailable: str | None = None


def wfm_goals(
    state: WfmState, queue_ids: Iterable[str], changes: Sequence[TemplateChange] = ()
) -> WfmGoals:
    """The WFM goals of ``queue_ids`` from what the plan read (``read_wfm_state``), with the
    templates the plan changes as they will be after it (``changes``)."""
    if state.unavailable:
        return WfmGoals(unavailable=state.unavailable)
    wanted = set(queue_ids)
    after = {c.template_id: ServiceGoalTemplate.model_validate(c.desired) for c in changes}
    found = WfmGoals()
    for unit in state.units:
        templates = [after.get(t.id or "", t) for t in unit.templates]
        for key, goal in goals_from_planning_groups(unit.groups, templates).items():
            if key[0] in wanted:
                found.goals.setdefault(key, goal)
    return found


def _agree(setting: tuple[float, float], goal: ServiceGoal) -> bool:
    return math.isclose(setting[0], goal.service_level, abs_tol=1e-9) and math.isclose(
        setting[1], goal.target_seconds, abs_tol=1e-6
    )


def wfm_disagreements(
    plans: Sequence[QueuePlan], wfm: WfmGoals, *, skip: Iterable[str] = ()
) -> list[Finding]:
    """A warning per changed queue and media type whose service level after the plan is not
    its WFM goal. ``plans`` in the policy's order (the finding paths index it); ``skip``:
    finding paths already explained (a template the plan could not change)."""
    explained = set(skip)
    findings = []
    for index, plan in enumerate(plans):
        if plan.queue_id is None or not plan.has_changes:
            continue
        for (queue_id, media), goal in sorted(wfm.goals.items()):
            if queue_id != plan.queue_id:
                continue
            key = queue_media_key(media)
            after = service_level_setting(plan.desired, key)
            if after is None or _agree(after, goal):
                continue
            if f"queues[{index}].media.{key}.service_level" in explained:
                continue
            before = service_level_setting(plan.base, key)
            was = (
                "unchanged by this plan"
                if before == after
                else f"{goal_text(*before)} before this plan"
                if before is not None
                else "not set before this plan"
            )
            wanted = goal_text(goal.service_level, goal.target_seconds)
            findings.append(
                Finding(
                    f"queues[{index}].media.{key}.service_level",
                    f"{plan.queue_name}: the {key} service level after this plan is "
                    f"{goal_text(*after)} ({was}) but WFM schedules the queue to {wanted} "
                    f"({goal.note}); agents are then staffed to one goal and service is "
                    f"reported against the other: set media.{key}.service_level to {wanted}, "
                    "or change the WFM service goal template",
                    "warning",
                )
            )
    return findings
