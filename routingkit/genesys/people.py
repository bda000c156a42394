"""Skills, users and their routing skills, groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .create_once import create_once
from .models import Group, RoutingSkill, User, UserRoutingSkill

if TYPE_CHECKING:
    from .client import GenesysClient


class PeopleApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def skills(self, *, name: str | None = None) -> list[RoutingSkill]:
        return [
            RoutingSkill.model_validate(s)
            for s in self._client.paginate("/api/v2/routing/skills", {"name": name}, page_size=500)
        ]

    def create_skill(self, name: str) -> RoutingSkill:
        """POST a new skill, at most once: after a lost answer, looks for it by name first."""
        return create_once(
            self._client,
            "/api/v2/routing/skills",
            {"name": name},
            name=name,
            parse=RoutingSkill.model_validate,
            list_named=lambda wanted: self.skills(name=wanted),
            name_of=lambda skill: skill.name,
            what="skill",
        )

    def delete_skill(self, skill_id: str) -> None:
        self._client.request("DELETE", f"/api/v2/routing/skills/{skill_id}")

    def users(self, *, ids: Iterable[str] | None = None) -> list[User]:
        params = {"id": list(ids) if ids is not None else None}
        return [
            User.model_validate(u)
            for u in self._client.paginate("/api/v2/users", params, page_size=500)
        ]

    def user(self, user_id: str) -> User:
        return User.model_validate(self._client.get(f"/api/v2/users/{user_id}"))

    def users_with_skill(self, skill_name: str) -> list[User]:
        """Users holding a routing skill, through POST /api/v2/users/search."""
        found: list[User] = []
        page = 1
        while True:
            body = {
                "pageSize": 100,
                "pageNumber": page,
                "query": [{"type": "EXACT", "fields": ["routingSkills"], "values": [skill_name]}],
            }
            answer = self._client.request(
                "POST", "/api/v2/users/search", json=body, idempotent=True
            )
            found += [User.model_validate(u) for u in answer.get("results") or []]
            if page >= int(answer.get("pageCount") or 1):
                return found
            page += 1

    def user_skills(self, user_id: str) -> list[UserRoutingSkill]:
        return [
            UserRoutingSkill.model_validate(s)
            for s in self._client.paginate(f"/api/v2/users/{user_id}/routingskills", page_size=100)
        ]

    def set_user_skills(
        self, user_id: str, proficiencies: Mapping[str, float], *, replace: bool = False
    ) -> list[UserRoutingSkill]:
        """Add or update skills (``replace=True``: the user ends with exactly these)."""
        for skill_id, value in proficiencies.items():
            if not 0.0 <= value <= 5.0:
                raise ValueError(f"proficiency for skill {skill_id} is {value}; use 0.0 to 5.0")
        body = [{"id": s, "proficiency": p} for s, p in proficiencies.items()]
        answer = self._client.request(
            "PUT" if replace else "PATCH",
            f"/api/v2/users/{user_id}/routingskills/bulk",
            json=body,
            idempotent=True,
        )
        return [UserRoutingSkill.model_validate(s) for s in answer.get("entities") or []]

    def groups(self) -> list[Group]:
        return [
            Group.model_validate(g) for g in self._client.paginate("/api/v2/groups", page_size=500)
        ]

    def group_members(self, group_id: str) -> list[User]:
        return [
            User.model_validate(u)
            for u in self._client.paginate(f"/api/v2/groups/{group_id}/members", page_size=100)
        ]
