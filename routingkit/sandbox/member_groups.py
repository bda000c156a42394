"""Member groups: who belongs to a group, a team or a skill group, and where queues name them.

A queue names member groups by id and type in ``memberGroups``, in bullseye rings'
``memberGroups`` and in conditional-routing rules' ``groups``. Each type is its own kind of
entity: ``GROUP`` (``/api/v2/groups``, members listed), ``TEAM`` (``/api/v2/teams``, members
listed; a user is in at most one team) and ``SKILLGROUP`` (``/api/v2/routing/skillgroups``:
members are whoever currently meets its ``skillConditions``).

The skill-condition reading is the sandbox's, documented for neither the SDK nor the
platform's docs in detail: a condition holds when every routing-skill condition in it holds (a
user lacking the skill meets none), its child conditions included; the group's conditions
combine left to right by each one's ``operation`` (``And``, ``Or``, ``Not`` = and not). The
sandbox has no routing languages: a language condition is read against the skill of that name.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

_COMPARE = {
    "EqualTo": lambda held, wanted: held == wanted,
    "NotEqualTo": lambda held, wanted: held != wanted,
    "LessThan": lambda held, wanted: held < wanted,
    "LessThanOrEqualTo": lambda held, wanted: held <= wanted,
    "GreaterThan": lambda held, wanted: held > wanted,
    "GreaterThanOrEqualTo": lambda held, wanted: held >= wanted,
}


def referenced_groups(queue: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every member-group reference in a queue's JSON (top level, rings, rules), in place."""
    yield from queue.get("memberGroups") or []
    for ring in (queue.get("bullseye") or {}).get("rings") or []:
        yield from ring.get("memberGroups") or []
    for rule in (queue.get("conditionalGroupRouting") or {}).get("rules") or []:
        yield from rule.get("groups") or []


def _user_skills(db: sqlite3.Connection) -> dict[str, dict[str, float]]:
    rows = db.execute(
        "SELECT s.user_id, lower(e.name) AS name, s.proficiency FROM user_skills s "
        "JOIN entities e ON e.kind = 'skill' AND e.id = s.skill_id WHERE s.state = 'active'"
    ).fetchall()
    held: dict[str, dict[str, float]] = {}
    for row in rows:
        held.setdefault(row["user_id"], {})[row["name"]] = float(row["proficiency"])
    return held


def _holds(skills: dict[str, float], condition: dict[str, Any]) -> bool:
    routing = condition.get("routingSkillConditions") or []
    languages = condition.get("languageSkillConditions") or []
    leaves = [(leaf.get("routingSkill"), leaf) for leaf in routing]
    leaves += [(leaf.get("languageSkill"), leaf) for leaf in languages]
    for name, leaf in leaves:
        held = skills.get(str(name or "").lower())
        compare = _COMPARE.get(str(leaf.get("comparator")))
        wanted = float(leaf.get("proficiency") or 0)
        if held is None or compare is None or not compare(held, wanted):
            return False
        if not all(_holds(skills, child) for child in leaf.get("childConditions") or []):
            return False
    return True


def meets(skills: dict[str, float], conditions: list[dict[str, Any]]) -> bool:
    """Whether a user's skills (lower-case name -> proficiency) meet a skill group's conditions."""
    result = False
    for i, condition in enumerate(conditions):
        value = _holds(skills, condition)
        operation = condition.get("operation") or "And"
        if i == 0:
            result = not value if operation == "Not" else value
        elif operation == "Or":
            result = result or value
        elif operation == "Not":
            result = result and not value
        else:
            result = result and value
    return result


def skill_group_members(db: sqlite3.Connection, group: dict[str, Any]) -> list[str]:
    """Ids of the active users meeting a skill group's conditions now, sorted."""
    conditions = group.get("skillConditions") or []
    active = {
        r["id"]
        for r in db.execute(
            "SELECT id FROM entities WHERE kind = 'user' "
            "AND json_extract(body, '$.state') = 'active'"
        )
    }
    return sorted(u for u, s in _user_skills(db).items() if u in active and meets(s, conditions))


_MEMBER_TABLES = {
    "GROUP": "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id",
    "TEAM": "SELECT user_id FROM team_members WHERE team_id = ? ORDER BY user_id",
}


def members_of(db: sqlite3.Connection, group_type: str, group_id: str) -> list[str]:
    """User ids in a member group of the given type (empty for an unknown group)."""
    if group_type == "SKILLGROUP":
        row = db.execute(
            "SELECT body FROM entities WHERE kind = 'skillgroup' AND id = ?", (group_id,)
        ).fetchone()
        return [] if row is None else skill_group_members(db, json.loads(row["body"]))
    sql = _MEMBER_TABLES.get(group_type)
    return [] if sql is None else [r["user_id"] for r in db.execute(sql, (group_id,))]
