"""Teams and skill groups through the client: their own resource APIs, cursor-paged."""

from __future__ import annotations

import pytest

from routingkit.genesys import GenesysClient, teams
from routingkit.sandbox.org import SKILL_GROUPS, TEAMS


@pytest.fixture()
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of three, so that every listing below takes several cursor hops."""
    monkeypatch.setattr(teams, "PAGE_SIZE", 3)


def test_the_apis_come_from_the_teams_module(client: GenesysClient) -> None:
    assert type(client.teams).__module__ == "routingkit.genesys.teams"
    assert type(client.skill_groups).__name__ == "SkillGroupsApi"


@pytest.mark.usefixtures("small_pages")
def test_every_team_is_listed_across_cursor_pages(client: GenesysClient) -> None:
    listed = client.teams.list()
    assert sorted(t.name or "" for t in listed) == sorted(TEAMS)
    assert len({t.id for t in listed}) == len(TEAMS)
    group_ids = {g.id for g in client.people.groups()}
    assert not group_ids & {t.id for t in listed}  # teams are not groups


@pytest.mark.usefixtures("small_pages")
def test_a_teams_members_are_its_users(client: GenesysClient) -> None:
    (vip,) = client.teams.list(name="vip")  # a case-insensitive prefix
    members = client.teams.members(vip.id or "")
    assert len(members) == vip.member_count == 8
    assert all(m.id and m.name for m in members)
    assert client.teams.get(vip.id or "").name == "VIP Desk"


def test_skill_groups_list_their_definitions_and_get_their_conditions(
    client: GenesysClient,
) -> None:
    listed = {g.name: g for g in client.skill_groups.list()}
    assert set(listed) == {name for name, *_ in SKILL_GROUPS}
    experts = listed["Premium Support experts"]
    assert experts.skill_conditions is None  # a listing carries the definition only
    full = client.skill_groups.get(experts.id or "")
    assert full.status == "Complete"
    (condition,) = full.skill_conditions or []
    assert condition["routingSkillConditions"][0]["routingSkill"] == "Premium Support"


@pytest.mark.usefixtures("small_pages")
def test_a_skill_groups_members_meet_its_conditions(client: GenesysClient) -> None:
    (experts,) = client.skill_groups.list(name="Premium")
    members = client.skill_groups.members(experts.id or "")
    assert members and len(members) == experts.member_count
    for member in members[:5]:
        levels = {s.name: s.proficiency for s in client.people.user_skills(member.id or "")}
        assert (levels.get("Premium Support") or 0) >= 4
