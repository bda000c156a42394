"""Build a simulated routing network from the Genesys objects routingkit reads.

``routingkit.capacity`` knows nothing of Genesys; this module converts queues (with their
routing settings), queue members (ring numbers, joined), users' routing skills and utilization
into :mod:`routingkit.capacity.simulation`'s dataclasses, so that a deployment plan can show the
simulated effect of a routing change: build the network from the current configuration and from
the proposed one, simulate both with the same seed, and compare.

Readings of the Genesys configuration (documented in the Genesys Cloud resource center, "Create
and configure queues" and "Conditional group routing overview"):

* Agents are the users who are joined members of some queue, named by user id. Their capacity
  and interruptible media come from their utilization, media type by media type, falling back to
  ``org_utilization`` and then to the platform defaults (call 1, callback 1, chat 4, email 1,
  message 4, nothing interruptible).
* Bullseye: a ring's ``TIMEOUT_SECONDS`` threshold is how long the interaction stays in that ring
  ("Stay in this ring for"), so ring r+1 opens after the sum of the timeouts of rings 1..r. The
  last ring's criteria are ignored. Users in a ring's member groups (with ``group_members``)
  are placed in that ring.
* Preferred agents (``routingRules``): ``MEETS_THRESHOLD`` rules keep their threshold, ``ANY``
  rules take any preferred agent; a missing ``waitSeconds`` is the API default of 5 s.
* Conditional group routing: a rule's groups are resolved through ``group_members`` (group id
  -> user ids) when it is given; otherwise the groups of a rule naming another queue are that
  queue's joined members (the fallback queue's agents), and the groups of a rule on this queue
  are this queue's members. A missing ``waitSeconds`` is taken as 2 s.
* A queue's service-level target is the duration of the service level set for its main media
  type (the one with the most expected arrivals), else 20 s, unless ``targets`` names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

import numpy as np

from ..capacity.simulation import (
    Agent,
    BullseyeRing,
    ConditionalRule,
    PreferredRule,
    RoutingNetwork,
    RoutingQueue,
    Workload,
)
from ..genesys.models import (
    MemberGroup,
    Queue,
    QueueMember,
    UserRoutingSkill,
    Utilization,
)

# The platform's utilization for a media type that neither the user nor the org sets.
DEFAULT_CAPACITY: dict[str, int] = {"call": 1, "callback": 1, "chat": 4, "email": 1, "message": 4}
DEFAULT_PREFERRED_WAIT_SECONDS = 5.0
DEFAULT_RULE_WAIT_SECONDS = 2.0
DEFAULT_TARGET_SECONDS = 20.0
# analytics vocabulary -> queue/utilization vocabulary (only voice differs)
_MEDIA = {"voice": "call"}


def _queue_label(queue: Queue, k: int) -> str:
    return queue.name or queue.id or f"queues[{k}]"


def _member_id(member: QueueMember) -> str | None:
    if member.user is not None and member.user.id:
        return member.user.id
    return member.id


def _joined_members(members: Sequence[QueueMember], where: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for j, member in enumerate(members):
        user_id = _member_id(member)
        if user_id is None:
            raise ValueError(f"{where}[{j}]: the member has no id; read members with the client")
        if member.joined is False:
            continue  # not joined: receives nothing from this queue
        out[user_id] = int(member.ring_number or 1)
    return out


def _capacity(
    utilization: Utilization | None, org: Utilization | None
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    capacity = dict(DEFAULT_CAPACITY)
    interruptible: dict[str, tuple[str, ...]] = {}
    for level in (org, utilization):
        if level is None or not level.utilization:
            continue
        for media, setting in level.utilization.items():
            if setting.maximum_capacity is not None:
                capacity[media] = int(setting.maximum_capacity)
            if setting.interruptable_media_types is not None:
                interruptible[media] = tuple(setting.interruptable_media_types)
    return capacity, interruptible


def _skill_names(user_skills: Mapping[str, Sequence[UserRoutingSkill]]) -> dict[str, str]:
    """Skill id -> name, from every user's skills (bullseye refs may carry only the id)."""
    names: dict[str, str] = {}
    for skills in user_skills.values():
        for skill in skills:
            if skill.id and skill.name:
                names[skill.id] = skill.name
    return names


def _groups(
    groups: Sequence[MemberGroup] | None,
    group_members: Mapping[str, Sequence[str]] | None,
    fallback: Mapping[str, int],
    where: str,
) -> tuple[str, ...]:
    users: dict[str, None] = {}
    for j, group in enumerate(groups or []):
        if group_members is not None:
            if (group.id or "") not in group_members:
                raise ValueError(
                    f"{where}.groups[{j}]: group {group.id!r} ({group.name}) is not in "
                    "group_members; add its user ids, or leave group_members out to use the "
                    "members of the rule's queue"
                )
            users.update(dict.fromkeys(group_members[group.id or ""]))
        else:
            users.update(dict.fromkeys(fallback))
    return tuple(users)


def network_from_genesys(
    queues: Sequence[Queue],
    members_by_queue: Mapping[str, Sequence[QueueMember]],
    user_skills: Mapping[str, Sequence[UserRoutingSkill]],
    utilization_by_user: Mapping[str, Utilization],
    workloads: Sequence[Workload],
    *,
    group_members: Mapping[str, Sequence[str]] | None = None,
    org_utilization: Utilization | None = None,
    shifts: Mapping[str, Sequence[bool]] | None = None,
    interval_seconds: float = 1800.0,
    targets: Mapping[str, float] | None = None,
) -> RoutingNetwork:
    """A :class:`RoutingNetwork` for ``simulate_network`` from Genesys configuration.

    ``queues``: the queues (``QueuesApi.get``/``list``) with their routing settings.
    ``members_by_queue``: queue id (or name) -> its members (``QueuesApi.members``), with ring
    numbers. ``user_skills``: user id -> routing skills (``PeopleApi.user_skills``).
    ``utilization_by_user``: user id -> utilization (``UtilizationApi.user``); users missing
    here get ``org_utilization`` or the platform defaults. ``workloads``: what arrives, with
    ``Workload.queue`` a queue id or name and ``media`` in either vocabulary (``voice`` or
    ``call``). ``group_members``: group id -> user ids, to resolve conditional-routing and ring
    groups exactly. ``shifts``: user id -> on shift per interval (default: the whole day).
    ``targets``: queue id (or name) -> service-level target in seconds, for queues whose goal
    is not their own media setting (e.g. a WFM goal); other queues use their setting.

    Rules named by another queue must have that queue in ``queues``. Raises ValueError naming
    the queue, rule or member that cannot be converted.
    """
    by_key: dict[str, int] = {}
    for k, queue in enumerate(queues):
        for key in (queue.id, queue.name):
            if key:
                by_key[key] = k
    names = [_queue_label(q, k) for k, q in enumerate(queues)]
    members: list[dict[str, int]] = []
    for k, queue in enumerate(queues):
        found = None
        for key in (queue.id, queue.name):
            if key and key in members_by_queue:
                found = members_by_queue[key]
                break
        if found is None:
            raise ValueError(
                f"members_by_queue has no entry for queue {names[k]!r} (id {queue.id}); read "
                "its members with client.queues.members(queue_id), even if there are none"
            )
        members.append(_joined_members(found, f"members_by_queue[{names[k]!r}]"))

    skill_names = _skill_names(user_skills)
    normalised: list[Workload] = []
    for w, work in enumerate(workloads):
        if work.queue not in by_key:
            raise ValueError(
                f"workloads[{w}].queue is {work.queue!r}, which is not the id or name of any "
                "queue given; add the queue to queues"
            )
        media = _MEDIA.get(work.media.lower(), work.media.lower())
        required = tuple(skill_names.get(s, s) for s in work.skills)
        normalised.append(
            replace(work, queue=names[by_key[work.queue]], media=media, skills=required)
        )

    routing_queues: list[RoutingQueue] = []
    for k, queue in enumerate(queues):
        where = f"queues[{k}] ({names[k]!r})"
        ring_of = dict(members[k])
        rings: list[BullseyeRing] = []
        if queue.bullseye is not None and queue.bullseye.rings:
            elapsed = 0.0
            last = len(queue.bullseye.rings) - 1
            for r, ring in enumerate(queue.bullseye.rings):
                refs = (ring.actions.skills_to_remove or []) if ring.actions else []
                removed = tuple(
                    ref.name or skill_names.get(ref.id or "", ref.id or "") for ref in refs
                )
                if group_members is not None:
                    for group in ring.member_groups or []:
                        for user in group_members.get(group.id or "", ()):
                            ring_of[user] = r + 1
                if r == last:
                    rings.append(BullseyeRing(None, removed))
                    break
                timeouts = [
                    c.threshold
                    for c in ring.expansion_criteria or []
                    if c.type in (None, "TIMEOUT_SECONDS") and c.threshold is not None
                ]
                if not timeouts or timeouts[0] <= 0:
                    raise ValueError(
                        f"{where}.bullseye.rings[{r}].expansionCriteria: every ring but the last "
                        "needs a TIMEOUT_SECONDS threshold > 0 (seconds to stay in the ring)"
                    )
                elapsed += float(timeouts[0])
                rings.append(BullseyeRing(elapsed, removed))
        preferred = tuple(
            PreferredRule(
                float(rule.wait_seconds or DEFAULT_PREFERRED_WAIT_SECONDS),
                None if rule.operator == "ANY" else rule.threshold,
            )
            for rule in queue.routing_rules or []
        )
        conditional: list[ConditionalRule] = []
        cgr_rules = queue.conditional_group_routing.rules if queue.conditional_group_routing else []
        for r, cgr in enumerate(cgr_rules or []):
            rule_where = f"{where}.conditionalGroupRouting.rules[{r}]"
            target = None
            if cgr.queue is not None and cgr.queue.id not in (None, queue.id):
                if cgr.queue.id not in by_key:
                    raise ValueError(
                        f"{rule_where}.queue: queue {cgr.queue.id} ({cgr.queue.name}) is not in "
                        "queues; include every queue the rules evaluate"
                    )
                target = by_key[cgr.queue.id]
            if cgr.metric is None or cgr.operator is None or cgr.condition_value is None:
                raise ValueError(f"{rule_where}: metric, operator and conditionValue are required")
            pool = members[target] if target is not None else members[k]
            conditional.append(
                ConditionalRule(
                    metric=cast(Any, cgr.metric),
                    operator=cast(Any, cgr.operator),
                    condition_value=float(cgr.condition_value),
                    agents=_groups(cgr.groups, group_members, pool, rule_where),
                    queue=None if target is None else names[target],
                    wait_seconds=float(
                        DEFAULT_RULE_WAIT_SECONDS if cgr.wait_seconds is None else cgr.wait_seconds
                    ),
                )
            )
        routing_queues.append(
            RoutingQueue(
                name=names[k],
                members=ring_of,
                # values the platform adds later reach the simulator, which names what it
                # does not model
                skill_evaluation=cast(Any, queue.skill_evaluation_method or "ALL"),
                scoring=cast(Any, queue.scoring_method or "TimestampAndPriority"),
                bullseye=tuple(rings),
                preferred=preferred,
                conditional=tuple(conditional),
                target_seconds=_queue_target(targets, queue, names[k], normalised),
            )
        )

    users: dict[str, None] = {}
    for ring_of_queue in (q.members for q in routing_queues):
        users.update(dict.fromkeys(ring_of_queue))
    for rq in routing_queues:
        for rule in rq.conditional:
            users.update(dict.fromkeys(rule.agents))
    for work in normalised:
        users.update(dict.fromkeys(work.preferred_agents))
    agents = []
    for user in users:
        capacity, interruptible = _capacity(utilization_by_user.get(user), org_utilization)
        skills = {
            s.name: float(s.proficiency or 0.0)
            for s in user_skills.get(user, [])
            if s.name and s.state in (None, "active")
        }
        on_shift = None if shifts is None or user not in shifts else tuple(shifts[user])
        agents.append(Agent(user, capacity, interruptible, skills, on_shift))
    return RoutingNetwork(
        tuple(agents), tuple(routing_queues), tuple(normalised), float(interval_seconds)
    )


def _queue_target(
    targets: Mapping[str, float] | None, queue: Queue, name: str, workloads: Sequence[Workload]
) -> float:
    for key in (queue.id, queue.name):
        if targets is not None and key and key in targets:
            return float(targets[key])
    return _target_seconds(queue, name, workloads)


def _target_seconds(queue: Queue, name: str, workloads: Sequence[Workload]) -> float:
    mine = [w for w in workloads if w.queue == name]
    if not mine or queue.media_settings is None:
        return DEFAULT_TARGET_SECONDS
    main = max(mine, key=lambda w: float(np.sum(np.asarray(w.arrival_rates, dtype=float))))
    setting = getattr(queue.media_settings, main.media, None)
    level = getattr(setting, "service_level", None)
    if level is None or level.duration_ms is None:
        return DEFAULT_TARGET_SECONDS
    return float(level.duration_ms) / 1000.0
