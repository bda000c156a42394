"""The org, read once: everything a policy export, validation or plan looks at.

A snapshot holds the queues in scope (full objects, their members and wrap-up codes), the
org's skills, groups, teams, skill groups, wrap-up codes and utilization, and the org's
identity. Plans keep the
part they change as their base, so that an apply can tell whether the org moved since.
Agents' skills are read only when a policy's pool needs them (``pool_candidates``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..genesys import GenesysClient
from ..genesys.models import (
    Group,
    Queue,
    QueueMember,
    RoutingSkill,
    SkillGroup,
    Team,
    Utilization,
    WrapupCode,
)
from .capacity_plan import OrgRef


def _key(name: str) -> str:
    return name.strip().casefold()


@dataclass
class NameIndex:
    """Names to ids (case-insensitive), and back, for everything a policy names."""

    skills: dict[str, RoutingSkill] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    skill_groups: dict[str, SkillGroup] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    wrapup_codes: dict[str, WrapupCode] = field(default_factory=dict)
    divisions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def name_of(self, kind: str, entity_id: str | None) -> str | None:
        table: dict[str, Any] = getattr(self, kind)
        for item in table.values():
            item_id = item.get("id") if isinstance(item, dict) else item.id
            if item_id == entity_id:
                name = item.get("name") if isinstance(item, dict) else item.name
                return str(name) if name is not None else None
        return None


@dataclass
class OrgSnapshot:
    org: OrgRef
    taken_at: dt.datetime
    queues: dict[str, Queue]  # by id: the queues in scope
    members: dict[str, list[QueueMember]]  # by queue id
    queue_wrapup_codes: dict[str, list[WrapupCode]]  # by queue id
    utilization: Utilization
    index: NameIndex
    _user_skills: dict[str, dict[str, float]] = field(default_factory=dict)

    def queue_by_name(self, name: str) -> Queue | None:
        return self.index.queues.get(_key(name))

    def pool_candidates(
        self, client: GenesysClient, skills: Iterable[tuple[str, float]]
    ) -> dict[str, float]:
        """Users holding every (skill, minimum proficiency): user id -> summed proficiency."""
        requirements = list(skills)
        if not requirements:
            return {}
        first, _ = requirements[0]
        candidates = {u.id for u in client.people.users_with_skill(first) if u.id}
        scores: dict[str, float] = {}
        for user_id in sorted(candidates):
            held = self._skills_of(client, user_id)
            total = 0.0
            for name, minimum in requirements:
                level = held.get(_key(name))
                if level is None or level < minimum:
                    break
                total += level
            else:
                scores[user_id] = total
        return scores

    def _skills_of(self, client: GenesysClient, user_id: str) -> dict[str, float]:
        if user_id not in self._user_skills:
            self._user_skills[user_id] = {
                _key(s.name): float(s.proficiency or 0.0)
                for s in client.people.user_skills(user_id)
                if s.name and (s.state in (None, "active"))
            }
        return self._user_skills[user_id]


def take_snapshot(
    client: GenesysClient, queue_names: Iterable[str] | None = None, *, org: OrgRef | None = None
) -> OrgSnapshot:
    """Read the org once. ``queue_names``: the queues in scope (None: every queue).

    Names of queues that do not exist yet are fine (a policy may create them); they are just
    not in ``queues``.
    """
    from .org_inputs import org_reference

    all_queues = client.queues.list()
    index = NameIndex(
        skills={_key(s.name): s for s in client.people.skills() if s.name},
        groups={_key(g.name): g for g in client.people.groups() if g.name},
        teams={_key(t.name): t for t in client.teams.list() if t.name},
        skill_groups={_key(g.name): g for g in client.skill_groups.list() if g.name},
        queues={_key(q.name): q for q in all_queues if q.name},
        wrapup_codes={_key(c.name): c for c in client.queues.all_wrapup_codes() if c.name},
    )
    for queue in all_queues:
        if queue.division is not None and queue.division.name:
            index.divisions[_key(queue.division.name)] = queue.division.to_api()
    wanted = None if queue_names is None else {_key(n) for n in queue_names}
    # The listing returns whole queue objects: the base of a read-modify-write.
    queues = {
        q.id: q
        for q in all_queues
        if q.id and q.name and (wanted is None or _key(q.name) in wanted)
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        members = dict(zip(queues, pool.map(client.queues.members, queues), strict=True))
        codes = dict(zip(queues, pool.map(client.queues.wrapup_codes, queues), strict=True))
    return OrgSnapshot(
        org=org or org_reference(client),
        taken_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        queues=queues,
        members=members,
        queue_wrapup_codes=codes,
        utilization=client.utilization.org(),
        index=index,
    )
