"""Membership rules: which agents a queue should have, from its pool and the number wanted.

Eligible agents hold every pool skill at the minimum proficiency (and, when groups are named,
belong to one of them). The members wanted are chosen with the least churn: eligible current
members first (the most proficient first), then the most proficient eligible non-members.
Members beyond the number wanted are removed only when ``remove_surplus`` says so; members
through a group are the group's business and never removed one by one. With
``rings_by_proficiency``, members are spread over the bullseye rings by proficiency, the most
proficient in ring 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..genesys.models import QueueMember
from .compile import Finding
from .spec import MembersPolicy


@dataclass(frozen=True)
class MemberChanges:
    add: list[str] = field(default_factory=list)  # user ids
    remove: list[str] = field(default_factory=list)
    rings: dict[str, int] = field(default_factory=dict)  # user id -> ring number to set
    wanted: int = 0
    eligible: int = 0
    members_before: int = 0
    members_after: int = 0

    @property
    def empty(self) -> bool:
        return not (self.add or self.remove or self.rings)


def plan_members(
    policy: MembersPolicy,
    current: list[QueueMember],
    eligible: dict[str, float],
    *,
    wanted: int,
    rings: int | None,
    path: str,
    findings: list[Finding],
) -> MemberChanges:
    """Who to add and remove, and ring numbers, for ``wanted`` members out of ``eligible``
    (user id -> proficiency score)."""
    direct = {m.id: m for m in current if m.id and m.member_by != "group"}
    via_group = {m.id for m in current if m.id and m.member_by == "group"}
    if len(eligible) < wanted:
        findings.append(
            Finding(
                f"{path}.wanted",
                f"{wanted} members wanted but the pool has only {len(eligible)} eligible agents; "
                "widen the pool (lower min_proficiency, more groups) or want fewer",
            )
        )

    def rank(user_id: str) -> tuple[float, str]:
        return (-eligible.get(user_id, -1.0), user_id)

    keep = sorted((u for u in direct if u in eligible), key=rank)
    keep += sorted(u for u in via_group if u in eligible and u not in keep)
    chosen = keep[:wanted]
    for user_id in sorted(eligible, key=rank):
        if len(chosen) >= wanted:
            break
        if user_id not in chosen:
            chosen.append(user_id)
    add = sorted(u for u in chosen if u not in direct and u not in via_group)
    remove: list[str] = []
    if policy.remove_surplus:
        remove = sorted(u for u in direct if u not in chosen)
    after = (set(direct) | via_group | set(add)) - set(remove)
    ring_numbers: dict[str, int] = {}
    if policy.rings_by_proficiency and rings:
        ordered = sorted((u for u in after if u not in via_group), key=rank)
        per_ring = max(1, math.ceil(len(ordered) / rings))
        for position, user_id in enumerate(ordered):
            ring = min(rings, position // per_ring + 1)
            old = direct[user_id].ring_number if user_id in direct else None
            if old != ring:
                ring_numbers[user_id] = ring
    return MemberChanges(
        add=add,
        remove=remove,
        rings=ring_numbers,
        wanted=wanted,
        eligible=len(eligible),
        members_before=len(set(direct) | via_group),
        members_after=len(after),
    )
