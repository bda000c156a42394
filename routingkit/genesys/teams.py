"""Teams and skill groups: the member-group types besides groups (``GROUP`` is in ``people``).

A queue's ``memberGroups`` (and bullseye rings' and conditional-routing rules' groups) name
groups by id and type: ``TEAM`` ids live in ``/api/v2/teams``, ``SKILLGROUP`` ids in
``/api/v2/routing/skillgroups``. Both listings page with cursors (``after``), without totals.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from .models import EntityRef, SkillGroup, Team

if TYPE_CHECKING:
    from .client import GenesysClient

PAGE_SIZE = 100


class TeamsApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def list(self, *, name: str | None = None) -> builtins.list[Team]:
        """Every team (``name``: only those whose name starts with it, case-insensitive)."""
        return [
            Team.model_validate(t)
            for t in self._client.paginate_cursor(
                "/api/v2/teams", {"name": name}, page_size=PAGE_SIZE
            )
        ]

    def get(self, team_id: str) -> Team:
        return Team.model_validate(self._client.get(f"/api/v2/teams/{team_id}"))

    def members(self, team_id: str) -> builtins.list[EntityRef]:
        """The team's users (id, name)."""
        return [
            EntityRef.model_validate(u)
            for u in self._client.paginate_cursor(
                f"/api/v2/teams/{team_id}/members", page_size=PAGE_SIZE
            )
        ]


class SkillGroupsApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def list(self, *, name: str | None = None) -> builtins.list[SkillGroup]:
        """Every skill group's definition (``name``: a case-insensitive prefix)."""
        return [
            SkillGroup.model_validate(g)
            for g in self._client.paginate_cursor(
                "/api/v2/routing/skillgroups", {"name": name}, page_size=PAGE_SIZE
            )
        ]

    def get(self, skill_group_id: str) -> SkillGroup:
        """One skill group, with its ``skillConditions`` and ``status``."""
        return SkillGroup.model_validate(
            self._client.get(f"/api/v2/routing/skillgroups/{skill_group_id}")
        )

    def members(self, skill_group_id: str) -> builtins.list[EntityRef]:
        """The users whose skills currently meet the group's conditions (id, name)."""
        return [
            EntityRef.model_validate(u)
            for u in self._client.paginate_cursor(
                f"/api/v2/routing/skillgroups/{skill_group_id}/members", page_size=PAGE_SIZE
            )
        ]
