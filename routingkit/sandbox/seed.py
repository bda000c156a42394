"""Writing the synthetic org and its history into a fresh database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..vocabulary.media import default_utilization, queue_media_key
from ..vocabulary.queue_fields import default_media_settings as new_queue_media_settings
from .history import aggregate_intervals, simulate_day
from .member_groups import referenced_groups
from .org import SKILL_GROUPS, OrgSpec, QueueSpec, ground_truth
from .store import INTERVAL_COLUMNS, Store
from .web import iso

SEED_USER = "sandbox-seed"
# Meta key marking a database whose teams and skill groups are entities of their own (older
# databases named their groups as teams: see ``upgrade_member_groups``).
MEMBER_GROUPS_META = "member_groups"


def _ref(kind: str, entity_id: str, name: str | None = None) -> dict[str, Any]:
    paths = {
        "queue": "/api/v2/routing/queues/",
        "skill": "/api/v2/routing/skills/",
        "group": "/api/v2/groups/",
        "team": "/api/v2/teams/",
        "skillgroup": "/api/v2/routing/skillgroups/",
        "user": "/api/v2/users/",
        "division": "/api/v2/authorization/divisions/",
        "wrapupcode": "/api/v2/routing/wrapupcodes/",
    }
    ref: dict[str, Any] = {"id": entity_id, "selfUri": paths[kind] + entity_id}
    if name is not None:
        ref["name"] = name
    return ref


def default_media_settings(
    media_key: str | None = None, sl: tuple[float, int] = (0.8, 20000)
) -> dict[str, Any]:
    """A new queue's media settings, with the service level ``sl`` for ``media_key``."""
    settings = new_queue_media_settings()
    if media_key in settings:
        pct, dur = sl
        settings[media_key]["serviceLevel"] = {"percentage": pct, "durationMs": dur}
    return settings


def _queue_body(org: OrgSpec, spec: QueueSpec, created: str) -> dict[str, Any]:
    qid = org.queue_ids[spec.key]
    media_key = queue_media_key(spec.workload.media_type)
    body: dict[str, Any] = {
        "id": qid,
        "name": spec.name,
        "division": _ref("division", org.division_id, "Home"),
        "description": spec.description or f"{spec.name} ({spec.workload.media_type})",
        "dateCreated": created,
        "dateModified": created,
        "createdBy": SEED_USER,
        "modifiedBy": SEED_USER,
        "mediaSettings": default_media_settings(media_key, spec.service_level),
        "acwSettings": {"wrapupPrompt": "OPTIONAL", "timeoutMs": 30000},
        "skillEvaluationMethod": "BEST",
        "scoringMethod": "TimestampAndPriority",
        "lastAgentRoutingMode": "Disabled",
        "autoAnswerOnly": False,
        "enableTranscription": False,
        "enableAudioMonitoring": False,
        "enableManualAssignment": False,
        "suppressInQueueCallRecording": True,
        "selfUri": f"/api/v2/routing/queues/{qid}",
    }
    skill = org.skill_ids[spec.skills[-1]]
    if spec.routing == "bullseye":
        body["bullseye"] = {
            "rings": [
                {
                    "expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 15}],
                    "actions": {"skillsToRemove": [_ref("skill", skill, spec.skills[-1])]},
                },
                {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 30}]},
                {},
            ]
        }
        if spec.ring_skill_group is not None:
            body["bullseye"]["rings"][1]["memberGroups"] = [
                {"id": org.skillgroup_ids[spec.ring_skill_group], "type": "SKILLGROUP"}
            ]
    elif spec.routing == "preferred":
        body["routingRules"] = [
            {"operator": "MEETS_THRESHOLD", "threshold": 9, "waitSeconds": 10},
            {"operator": "ANY", "waitSeconds": 20},
        ]
    elif spec.routing == "conditional":
        fallback = next((q for q in org.queues if q.fallback_of == spec.key), None)
        rules: list[dict[str, Any]] = [
            {
                "metric": "EstimatedWaitTime",
                "operator": "GreaterThan",
                "conditionValue": 30,
                "groups": [{"id": org.team_ids[t], "type": "TEAM"} for t in spec.teams],
                "waitSeconds": 2,
            }
        ]
        if fallback is not None:
            rules.append(
                {
                    "queue": _ref("queue", org.queue_ids[fallback.key]),
                    "metric": "EstimatedWaitTime",
                    "operator": "LessThan",
                    "conditionValue": 20,
                    "groups": [{"id": org.team_ids[t], "type": "TEAM"} for t in fallback.teams],
                    "waitSeconds": 20,
                }
            )
        else:  # pull a second team in when the service level drops
            rules.append(
                {
                    "metric": "ServiceLevel",
                    "operator": "LessThan",
                    "conditionValue": 0.7,
                    "groups": [{"id": org.team_ids["Support Tier 1"], "type": "TEAM"}],
                    "waitSeconds": 30,
                }
            )
        body["conditionalGroupRouting"] = {"rules": rules}
    return body


def _seed_teams_and_skill_groups(
    db: sqlite3.Connection, org: OrgSpec, team_members: dict[str, list[str]], created: str
) -> None:
    """The org's teams (each agent in one, as on the platform) and skill groups."""
    division = _ref("division", org.division_id, "Home")
    for team, tid in org.team_ids.items():
        members = team_members.get(team, [])
        Store.put(
            db,
            "team",
            {
                **_ref("team", tid),
                "name": team,
                "division": division,
                "description": f"{team} agents",
                "dateCreated": created,
                "dateModified": created,
                "memberCount": len(members),
            },
        )
        db.executemany(
            "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)",
            [(tid, u) for u in members],
        )
    for name, description, skill, proficiency in SKILL_GROUPS:
        Store.put(
            db,
            "skillgroup",
            {
                **_ref("skillgroup", org.skillgroup_ids[name]),
                "name": name,
                "division": division,
                "description": description,
                "dateCreated": created,
                "dateModified": created,
                "status": "Complete",
                "skillConditions": [
                    {
                        "routingSkillConditions": [
                            {
                                "routingSkill": skill,
                                "comparator": "GreaterThanOrEqualTo",
                                "proficiency": proficiency,
                                "childConditions": [],
                            }
                        ],
                        "languageSkillConditions": [],
                        "operation": "And",
                    }
                ],
            },
        )


def upgrade_member_groups(store: Store, org: OrgSpec) -> bool:
    """Give a database seeded before teams existed its teams and skill groups; True if it did.

    Such a database named its groups as ``TEAM`` member groups. The teams get the groups' names
    and members, and every ``TEAM`` reference to one of those groups is pointed at its team.
    """
    if store.get_meta(MEMBER_GROUPS_META) is not None:
        return False
    with store.transaction() as db:
        team_members: dict[str, list[str]] = {}
        for team, gid in org.group_ids.items():
            team_members[team] = [
                r["user_id"]
                for r in db.execute(
                    "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id", (gid,)
                )
            ]
        _seed_teams_and_skill_groups(db, org, team_members, iso(dt.datetime.now(dt.timezone.utc)))
        team_of_group = {org.group_ids[t]: org.team_ids[t] for t in org.group_ids}
        for queue in store.entities("queue"):
            changed = False
            for ref in referenced_groups(queue):
                if ref.get("type") == "TEAM" and ref.get("id") in team_of_group:
                    ref["id"] = team_of_group[ref["id"]]
                    ref.pop("selfUri", None)
                    changed = True
            if changed:
                Store.put(db, "queue", queue)
        Store.set_meta(db, MEMBER_GROUPS_META, "1")
    return True


def seed_org(store: Store, org: OrgSpec, end_date: dt.date, days: int) -> None:
    """Write the org's configuration and ``days`` of history ending before ``end_date``."""
    created = iso(
        dt.datetime.combine(
            end_date - dt.timedelta(days=days + 30), dt.time(9), tzinfo=dt.timezone.utc
        )
    )
    rng = np.random.default_rng([org.seed, 3])
    with store.transaction() as db:
        Store.put(db, "division", {**_ref("division", org.division_id), "name": "Home"})
        for name, sid in org.skill_ids.items():
            Store.put(
                db,
                "skill",
                {
                    **_ref("skill", sid),
                    "name": name,
                    "state": "active",
                    "version": "1",
                    "dateModified": created,
                    "division": _ref("division", org.division_id, "Home"),
                },
            )
        team_members: dict[str, list[str]] = {t: [] for t in org.team_ids}
        for agent in org.agents:
            Store.put(
                db,
                "user",
                {
                    **_ref("user", agent.id),
                    "name": agent.name,
                    "email": agent.email,
                    "username": agent.email,
                    "state": "active",
                    "department": agent.team,
                    "title": "Agent",
                    "version": 1,
                    "division": _ref("division", org.division_id, "Home"),
                },
            )
            team_members[agent.team].append(agent.id)
            for skill, proficiency in agent.skills:
                db.execute(
                    "INSERT INTO user_skills (user_id, skill_id, proficiency, state) "
                    "VALUES (?, ?, ?, 'active')",
                    (agent.id, org.skill_ids[skill], proficiency),
                )
        for team, gid in org.group_ids.items():
            members = team_members[team]
            Store.put(
                db,
                "group",
                {
                    **_ref("group", gid),
                    "name": team,
                    "description": f"{team} agents",
                    "type": "official",
                    "state": "active",
                    "version": 1,
                    "visibility": "public",
                    "memberCount": len(members),
                    "dateModified": created,
                },
            )
            db.executemany(
                "INSERT INTO group_members (group_id, user_id) VALUES (?, ?)",
                [(gid, u) for u in members],
            )
        _seed_teams_and_skill_groups(db, org, team_members, created)
        Store.set_meta(db, MEMBER_GROUPS_META, "1")
        for name, wid in org.wrapup_ids.items():
            Store.put(
                db,
                "wrapupcode",
                {
                    **_ref("wrapupcode", wid),
                    "name": name,
                    "dateCreated": created,
                    "createdBy": SEED_USER,
                    "division": _ref("division", org.division_id, "Home"),
                },
            )
        for spec in org.queues:
            body = _queue_body(org, spec, created)
            qid = body["id"]
            Store.put(db, "queue", body)
            bullseye = spec.routing == "bullseye"
            for ti, team in enumerate(spec.teams):
                for uid in team_members[team]:
                    joined = bool(rng.random() < 0.9)
                    ring = min(ti + 1, 2) if bullseye else 1
                    db.execute(
                        "INSERT OR IGNORE INTO queue_members "
                        "(queue_id, user_id, ring_number, joined, member_by) "
                        "VALUES (?, ?, ?, ?, 'user')",
                        (qid, uid, ring, int(joined)),
                    )
            db.executemany(
                "INSERT INTO queue_wrapupcodes (queue_id, code_id) VALUES (?, ?)",
                [(qid, wid) for wid in list(org.wrapup_ids.values())[:4]],
            )
        org_util = default_utilization()
        org_util["chat"]["maximumCapacity"] = 3
        org_util["email"]["interruptableMediaTypes"] = ["call", "callback", "chat", "message"]
        db.execute(
            "INSERT INTO utilization (scope, body) VALUES ('org', ?)",
            (json.dumps({"utilization": org_util}),),
        )
        digital = [a for a in org.agents if a.team == "Digital Team"][:6]
        for agent in digital:
            util = json.loads(json.dumps(org_util))
            util["chat"]["maximumCapacity"] = 4
            util["message"]["maximumCapacity"] = 5
            db.execute(
                "INSERT INTO utilization (scope, body) VALUES (?, ?)",
                (agent.id, json.dumps({"utilization": util})),
            )
        start_date = end_date - dt.timedelta(days=days)
        Store.set_meta(db, "seed", str(org.seed))
        Store.set_meta(db, "time_zone", org.time_zone)
        Store.set_meta(db, "start_date", start_date.isoformat())
        Store.set_meta(db, "end_date", start_date.isoformat())
        Store.set_meta(
            db, "ground_truth", json.dumps(ground_truth(org, start_date.isoformat(), days))
        )
    extend_history(store, org, end_date)


def extend_history(store: Store, org: OrgSpec, end_date: dt.date) -> int:
    """Simulate the days from the stored end date up to (not including) ``end_date``.

    Each day is its own transaction, so an interrupted seed resumes where it stopped.
    Returns the number of days added.
    """
    tz = ZoneInfo(org.time_zone)
    stored_end = dt.date.fromisoformat(store.get_meta("end_date") or end_date.isoformat())
    added = 0
    day = stored_end
    columns = ", ".join(f'"{c}"' for c in INTERVAL_COLUMNS)
    marks = ", ".join("?" * (len(INTERVAL_COLUMNS) + 4))
    truth = json.loads(store.get_meta("ground_truth") or "{}")
    while day < end_date:
        interval_rows: list[tuple[Any, ...]] = []
        conversation_rows: list[tuple[Any, ...]] = []
        for qi, spec in enumerate(org.queues):
            qid = org.queue_ids[spec.key]
            media = spec.workload.media_type
            conv = simulate_day(spec, org.seed, qi, day, tz)
            if not len(conv):
                continue
            starts, cols = aggregate_intervals(conv, spec.service_level[1])
            matrix = np.column_stack([cols[c] for c in INTERVAL_COLUMNS])
            interval_rows.extend(
                (qid, media, int(s), spec.service_level[0], *map(int, row))
                for s, row in zip(starts, matrix, strict=True)
            )
            handle = conv.talk_ms + conv.hold_ms + conv.acw_ms
            conversation_rows.extend(
                zip(
                    [qid] * len(conv),
                    [media] * len(conv),
                    conv.start_ms.tolist(),
                    conv.wait_ms.tolist(),
                    conv.alert_ms.tolist(),
                    conv.answered.astype(int).tolist(),
                    handle.tolist(),
                    strict=True,
                )
            )
        with store.transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO intervals (queue_id, media_type, start_ms, sl_target, "
                f"{columns}) VALUES ({marks})",
                interval_rows,
            )
            db.executemany(
                "INSERT INTO conversations (queue_id, media_type, start_ms, wait_ms, alert_ms, "
                "answered, handle_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                conversation_rows,
            )
            day += dt.timedelta(days=1)
            Store.set_meta(db, "end_date", day.isoformat())
            if truth:
                truth["days"] = (day - dt.date.fromisoformat(truth["start_date"])).days
                Store.set_meta(db, "ground_truth", json.dumps(truth))
        added += 1
    return added


def is_seeded(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()
    return row is not None
