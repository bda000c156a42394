"""Writing the synthetic org and its history into a fresh database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..genesys.models import queue_media_key
from .history import aggregate_intervals, simulate_day
from .org import OrgSpec, QueueSpec, ground_truth
from .store import INTERVAL_COLUMNS, Store
from .web import iso

SEED_USER = "sandbox-seed"

# The platform's defaults for a media type missing from a utilization PUT.
DEFAULT_UTILIZATION: dict[str, dict[str, Any]] = {
    "call": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "callback": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "chat": {"maximumCapacity": 4, "interruptableMediaTypes": [], "includeNonAcd": False},
    "email": {"maximumCapacity": 1, "interruptableMediaTypes": [], "includeNonAcd": False},
    "message": {"maximumCapacity": 4, "interruptableMediaTypes": [], "includeNonAcd": False},
}


def _ref(kind: str, entity_id: str, name: str | None = None) -> dict[str, Any]:
    paths = {
        "queue": "/api/v2/routing/queues/",
        "skill": "/api/v2/routing/skills/",
        "group": "/api/v2/groups/",
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
    settings: dict[str, Any] = {}
    for key in ("call", "callback", "chat", "email", "message"):
        pct, dur = sl if key == media_key else (0.8, 20000)
        entry: dict[str, Any] = {
            "alertingTimeoutSeconds": 8 if key in ("call", "callback") else 30,
            "serviceLevel": {"percentage": pct, "durationMs": dur},
            "enableAutoAnswer": False,
        }
        if key == "callback":
            entry.update(mode="AgentFirst", maxRetryCount=3, retryDelaySeconds=60)
        settings[key] = entry
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
        for team, gid in org.team_ids.items():
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
        org_util = json.loads(json.dumps(DEFAULT_UTILIZATION))
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
