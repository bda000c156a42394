"""From a policy to the API objects it asks for: names resolved to ids, on top of the org's.

A queue compiles to the full object a PUT must send: the current queue (read-modify-write:
every field routingkit does not model is kept) with the policy's fields applied. A name that
does not resolve is a :class:`Finding` (an error) naming the field path; compiling never
raises for the org's state, so validation can list every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..genesys.models import (
    AcwSettings,
    Bullseye,
    CallbackMediaSetting,
    ConditionalGroupRouting,
    ConditionalGroupRoutingRule,
    Division,
    EntityRef,
    ExpansionCriterion,
    MediaSetting,
    MediaSettings,
    MediaUtilization,
    MemberGroup,
    Queue,
    Ring,
    RingActions,
    RoutingRule,
    ServiceLevel,
    Utilization,
)
from .snapshot import NameIndex
from .spec import GroupRef, MediaPolicy, MediaUtilizationPolicy, QueuePolicy

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """A problem found while validating or compiling: where, what, and how bad."""

    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


# Where a member group of each type is looked up in the index, and what it is called.
_MEMBER_GROUP_TABLES = {
    "GROUP": ("groups", "group"),
    "TEAM": ("teams", "team"),
    "SKILLGROUP": ("skill_groups", "skill group"),
}


class _Resolver:
    def __init__(self, index: NameIndex, findings: list[Finding]) -> None:
        self.index = index
        self.findings = findings

    def _lookup(self, kind: str, name: str, path: str, what: str) -> EntityRef | None:
        table: dict[str, Any] = getattr(self.index, kind)
        found = table.get(name.strip().casefold())
        if found is None:
            known = sorted(str(v.name) for v in table.values() if getattr(v, "name", None))
            hint = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
            self.findings.append(
                Finding(path, f"no {what} named {name!r} in the org (it has: {hint or 'none'})")
            )
            return None
        return EntityRef(id=found.id, name=found.name)

    def skill(self, name: str, path: str) -> EntityRef | None:
        return self._lookup("skills", name, path, "skill")

    def queue(self, name: str, path: str) -> EntityRef | None:
        return self._lookup("queues", name, path, "queue")

    def wrapup_code(self, name: str, path: str) -> EntityRef | None:
        return self._lookup("wrapup_codes", name, path, "wrap-up code")

    def group(self, ref: GroupRef, path: str) -> MemberGroup | None:
        """A member group by type and name: groups, teams (/api/v2/teams) and skill groups
        (/api/v2/routing/skillgroups) are each looked up among their own kind."""
        table, what = _MEMBER_GROUP_TABLES[ref.type]
        found = self._lookup(table, ref.name, path, what)
        return None if found is None else MemberGroup(id=found.id, name=found.name, type=ref.type)

    def groups(self, refs: list[GroupRef], path: str) -> list[MemberGroup]:
        out = [self.group(ref, f"{path}[{i}]") for i, ref in enumerate(refs)]
        return [g for g in out if g is not None]


def compile_queue(
    policy: QueuePolicy,
    base: Queue | None,
    index: NameIndex,
    *,
    path: str = "queue",
    findings: list[Finding] | None = None,
) -> Queue:
    """The full queue object ``policy`` asks for, on top of ``base`` (None: a new queue)."""
    findings = findings if findings is not None else []
    resolve = _Resolver(index, findings)
    queue = (
        base.model_copy(deep=True)
        if base is not None
        else Queue(name=policy.name, media_settings=MediaSettings())
    )
    queue.name = policy.name
    if policy.description is not None:
        queue.description = policy.description
    if policy.division is not None:
        division = index.divisions.get(policy.division.strip().casefold())
        if division is None:
            findings.append(
                Finding(
                    f"{path}.division",
                    f"no division named {policy.division!r} among the org's queues; "
                    "leave division out to keep the queue's",
                )
            )
        else:
            queue.division = Division.model_validate(division)
    _apply_media(queue, policy.media)
    if policy.routing is not None:
        _apply_routing(queue, policy, resolve, f"{path}.routing")
    if policy.acw is not None:
        acw = queue.acw_settings.model_copy() if queue.acw_settings else AcwSettings()
        if policy.acw.wrapup_prompt is not None:
            acw.wrapup_prompt = policy.acw.wrapup_prompt
        if policy.acw.timeout_seconds is not None:
            acw.timeout_ms = round(policy.acw.timeout_seconds * 1000)
        queue.acw_settings = acw
    if queue.conditional_group_routing and queue.conditional_group_routing.rules:
        # The platform returns rule 1 with this queue filled in and refuses it on PUT.
        queue.conditional_group_routing.rules[0].queue = None
    return queue


def _apply_media(queue: Queue, media: dict[Any, MediaPolicy]) -> None:
    settings = queue.media_settings or MediaSettings()
    for key, wanted in media.items():
        current = getattr(settings, key)
        fresh = CallbackMediaSetting() if key == "callback" else MediaSetting()
        setting = current.model_copy(deep=True) if current is not None else fresh
        if wanted.alerting_timeout_seconds is not None:
            setting.alerting_timeout_seconds = wanted.alerting_timeout_seconds
        goal = wanted.goal
        if goal is not None:
            setting.service_level = ServiceLevel(
                percentage=goal.service_level, duration_ms=round(goal.target_seconds * 1000)
            )
        if wanted.auto_answer is not None:
            setting.enable_auto_answer = wanted.auto_answer
        if wanted.auto_answer_alert_tone_seconds is not None:
            setting.auto_answer_alert_tone_seconds = wanted.auto_answer_alert_tone_seconds
        if wanted.manual_answer_alert_tone_seconds is not None:
            setting.manual_answer_alert_tone_seconds = wanted.manual_answer_alert_tone_seconds
        for name in ("mode", "max_retry_count", "retry_delay_seconds"):
            value = getattr(wanted, name)
            if value is not None:
                setattr(setting, name, value)
        setattr(settings, key, setting)
    queue.media_settings = settings


def _apply_routing(queue: Queue, policy: QueuePolicy, resolve: _Resolver, path: str) -> None:
    routing = policy.routing
    assert routing is not None
    if routing.scoring_method is not None:
        queue.scoring_method = routing.scoring_method
    if routing.skill_evaluation_method is not None:
        queue.skill_evaluation_method = routing.skill_evaluation_method
    if routing.last_agent_routing_mode is not None:
        queue.last_agent_routing_mode = routing.last_agent_routing_mode
    method = routing.effective_method
    if method is not None:  # one method: setting it clears the others
        queue.bullseye = None
        queue.conditional_group_routing = None
        queue.routing_rules = None
    if routing.bullseye is not None:
        rings = []
        for i, ring in enumerate(routing.bullseye.rings):
            where = f"{path}.bullseye.rings[{i}]"
            removed = [
                resolve.skill(name, f"{where}.skills_to_remove[{j}]")
                for j, name in enumerate(ring.skills_to_remove)
            ]
            rings.append(
                Ring(
                    expansion_criteria=(
                        [
                            ExpansionCriterion(
                                type="TIMEOUT_SECONDS", threshold=ring.expansion_timeout_seconds
                            )
                        ]
                        if ring.expansion_timeout_seconds is not None
                        else None
                    ),
                    actions=(
                        RingActions(skills_to_remove=[r for r in removed if r is not None])
                        if ring.skills_to_remove
                        else None
                    ),
                    member_groups=resolve.groups(ring.member_groups, f"{where}.member_groups")
                    or None,
                )
            )
        queue.bullseye = Bullseye(rings=rings)
    if routing.conditional_routing is not None:
        rules = []
        for i, rule in enumerate(routing.conditional_routing.rules):
            where = f"{path}.conditional_routing.rules[{i}]"
            other = resolve.queue(rule.queue, f"{where}.queue") if rule.queue else None
            rules.append(
                ConditionalGroupRoutingRule(
                    queue=other,
                    metric=rule.metric,
                    operator=rule.operator,
                    condition_value=rule.condition_value,
                    wait_seconds=rule.wait_seconds,
                    groups=resolve.groups(rule.groups, f"{where}.groups"),
                )
            )
        queue.conditional_group_routing = ConditionalGroupRouting(rules=rules)
    if routing.preferred_agent_rules:
        queue.routing_rules = [
            RoutingRule(operator=r.operator, threshold=r.threshold, wait_seconds=r.wait_seconds)
            for r in routing.preferred_agent_rules
        ]
    if routing.backup_queue is not None:
        backup = resolve.queue(routing.backup_queue, f"{path}.backup_queue")
        if backup is not None:
            direct = dict(queue.direct_routing or {})
            direct["backupQueueId"] = backup.id
            queue.direct_routing = direct


def compile_utilization(
    wanted: dict[Any, MediaUtilizationPolicy], base: Utilization
) -> Utilization:
    """The org utilization ``wanted`` asks for; media it leaves out keep their values (a PUT
    resets omitted media, so the whole object is sent)."""
    result = base.model_copy(deep=True)
    media = dict(result.utilization or {})
    for key, policy in wanted.items():
        current = media.get(key)
        entry = (
            current.model_copy() if isinstance(current, MediaUtilization) else MediaUtilization()
        )
        entry.maximum_capacity = policy.maximum_capacity
        entry.interruptable_media_types = list(policy.interruptible_by)
        if policy.include_non_acd is not None:
            entry.include_non_acd = policy.include_non_acd
        media[key] = entry
    result.utilization = media
    return result
