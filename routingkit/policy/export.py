"""The org's current configuration as a policy: how a user adopts an existing org.

Every field the policy models is written, so that planning the exported policy against the
same org changes nothing. Membership is not exported: which agents belong is the org's state,
not a rule; a policy adds a ``members`` section (a pool and a number) when it wants to manage it.
"""

from __future__ import annotations

from typing import Any

from ..genesys.models import (
    Bullseye,
    ConditionalGroupRouting,
    MediaSetting,
    MediaUtilization,
    MemberGroup,
    Queue,
    Utilization,
)
from ..vocabulary.media import MEDIA_KEYS
from ..vocabulary.queue_fields import MEMBER_GROUP_TYPES
from .snapshot import OrgSnapshot
from .spec import (
    AcwPolicy,
    BullseyePolicy,
    ConditionalRouting,
    ConditionalRule,
    GroupRef,
    MediaPolicy,
    MediaUtilizationPolicy,
    Policy,
    PreferredAgentRule,
    QueuePolicy,
    RingPolicy,
    RoutingPolicy,
    goal_text,
)

# Index tables holding each member-group type's names (groups, teams, skill groups).
_GROUP_TABLES = {"GROUP": "groups", "TEAM": "teams", "SKILLGROUP": "skill_groups"}


def export_policy(snapshot: OrgSnapshot, *, utilization: bool = True) -> Policy:
    """A policy describing every queue of ``snapshot`` (and the org's utilization)."""
    queues = sorted(snapshot.queues.values(), key=lambda q: (q.name or "").casefold())
    return Policy(
        queues=[export_queue(q, snapshot) for q in queues],
        utilization=export_utilization(snapshot.utilization) if utilization else None,
    )


def export_queue(queue: Queue, snapshot: OrgSnapshot) -> QueuePolicy:
    codes = snapshot.queue_wrapup_codes.get(queue.id or "", [])
    return QueuePolicy(
        name=queue.name or "",
        division=queue.division.name if queue.division else None,
        description=queue.description,
        media=_media(queue),
        routing=_routing(queue, snapshot),
        acw=_acw(queue),
        wrapup_codes=sorted((c.name for c in codes if c.name), key=str.casefold),
    )


def _media(queue: Queue) -> dict[Any, MediaPolicy]:
    out: dict[Any, MediaPolicy] = {}
    settings = queue.media_settings
    if settings is None:
        return out
    for key in MEDIA_KEYS:
        setting: MediaSetting | None = getattr(settings, key)
        if setting is None:
            continue
        level = setting.service_level
        goal = (
            goal_text(level.percentage, level.duration_ms / 1000.0)
            if level is not None and level.percentage is not None and level.duration_ms
            else None
        )
        extra: dict[str, Any] = {}
        if key == "callback":
            extra = {
                "mode": getattr(setting, "mode", None),
                "max_retry_count": getattr(setting, "max_retry_count", None),
                "retry_delay_seconds": getattr(setting, "retry_delay_seconds", None),
            }
        out[key] = MediaPolicy(
            alerting_timeout_seconds=setting.alerting_timeout_seconds,
            service_level=goal,
            auto_answer=setting.enable_auto_answer,
            auto_answer_alert_tone_seconds=setting.auto_answer_alert_tone_seconds,
            manual_answer_alert_tone_seconds=setting.manual_answer_alert_tone_seconds,
            **extra,
        )
    return out


def _groups(groups: list[MemberGroup] | None, snapshot: OrgSnapshot) -> list[GroupRef]:
    """Member groups by type and name; a name the queue does not carry is looked up among the
    groups, teams or skill groups of the org (the id stands in for an unknown one)."""
    refs = []
    for g in groups or []:
        kind = g.type if g.type in MEMBER_GROUP_TYPES else "GROUP"
        name = g.name or snapshot.index.name_of(_GROUP_TABLES[str(kind)], g.id) or g.id or ""
        refs.append(GroupRef.model_validate({"name": name, "type": kind}))
    return refs


def _bullseye(bullseye: Bullseye, snapshot: OrgSnapshot) -> BullseyePolicy:
    rings = []
    for ring in bullseye.rings or []:
        timeout = next(
            (
                c.threshold
                for c in ring.expansion_criteria or []
                if c.type == "TIMEOUT_SECONDS" and c.threshold is not None
            ),
            None,
        )
        removed = [
            s.name or snapshot.index.name_of("skills", s.id) or s.id or ""
            for s in (ring.actions.skills_to_remove if ring.actions else None) or []
        ]
        rings.append(
            RingPolicy(
                expansion_timeout_seconds=timeout,
                skills_to_remove=removed,
                member_groups=_groups(ring.member_groups, snapshot),
            )
        )
    return BullseyePolicy(rings=rings)


def _conditional(
    routing: ConditionalGroupRouting, queue: Queue, snapshot: OrgSnapshot
) -> ConditionalRouting:
    rules = []
    for position, rule in enumerate(routing.rules or []):
        other = None
        if position > 0 and rule.queue is not None and rule.queue.id != queue.id:
            other = rule.queue.name or snapshot.index.name_of("queues", rule.queue.id)
        rules.append(
            ConditionalRule(
                queue=other,
                metric=rule.metric or "EstimatedWaitTime",  # type: ignore[arg-type]
                operator=rule.operator or "GreaterThan",  # type: ignore[arg-type]
                condition_value=rule.condition_value or 0.0,
                wait_seconds=rule.wait_seconds if rule.wait_seconds is not None else 2,
                groups=_groups(rule.groups, snapshot),
            )
        )
    return ConditionalRouting(rules=rules)


def _routing(queue: Queue, snapshot: OrgSnapshot) -> RoutingPolicy:
    bullseye = conditional = preferred = None
    method = "standard"
    if queue.bullseye is not None and queue.bullseye.rings:
        bullseye, method = _bullseye(queue.bullseye, snapshot), "bullseye"
    elif queue.conditional_group_routing is not None and queue.conditional_group_routing.rules:
        conditional = _conditional(queue.conditional_group_routing, queue, snapshot)
        method = "conditional"
    elif queue.routing_rules:
        preferred = [
            PreferredAgentRule(
                operator=r.operator or "MEETS_THRESHOLD",  # type: ignore[arg-type]
                threshold=r.threshold,
                wait_seconds=r.wait_seconds or 0.0,
            )
            for r in queue.routing_rules
        ]
        method = "preferred"
    backup_id = (queue.direct_routing or {}).get("backupQueueId")
    return RoutingPolicy(
        scoring_method=queue.scoring_method,  # type: ignore[arg-type]
        skill_evaluation_method=queue.skill_evaluation_method,  # type: ignore[arg-type]
        last_agent_routing_mode=queue.last_agent_routing_mode,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
        bullseye=bullseye,
        conditional_routing=conditional,
        preferred_agent_rules=preferred,
        backup_queue=snapshot.index.name_of("queues", backup_id) if backup_id else None,
    )


def _acw(queue: Queue) -> AcwPolicy | None:
    acw = queue.acw_settings
    if acw is None:
        return None
    return AcwPolicy(
        wrapup_prompt=acw.wrapup_prompt,  # type: ignore[arg-type]
        timeout_seconds=acw.timeout_ms / 1000.0 if acw.timeout_ms is not None else None,
    )


def export_utilization(utilization: Utilization) -> dict[Any, MediaUtilizationPolicy]:
    out: dict[Any, MediaUtilizationPolicy] = {}
    for key, media in (utilization.utilization or {}).items():
        if key not in MEDIA_KEYS or not isinstance(media, MediaUtilization):
            continue
        out[key] = MediaUtilizationPolicy(
            maximum_capacity=media.maximum_capacity or 0,
            interruptible_by=[m for m in media.interruptable_media_types or [] if m in MEDIA_KEYS],
            include_non_acd=media.include_non_acd,
        )
    return out
