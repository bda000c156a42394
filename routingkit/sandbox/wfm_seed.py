"""The sandbox org's workforce management: one business unit, its goals and planning groups.

Deterministic from the org's seed, like the rest of the org. Written on the first WFM request
(:func:`ensure_wfm`), in one transaction, into the ``entities`` table: each row's body is
``{"id", "name", "businessUnitId", "entity"}`` where ``entity`` is the JSON the API returns.

The goals are chosen so that WFM and routing do not all agree, as in real orgs: the "Sales
voice" template asks 85 % in 15 s where the Sales queues' media settings say 80 % in 20 s and
80 % in 30 s, and the "Email" template asks 90 % in 4 h where Returns - Email says 80 % in 8 h.
Three queues (Billing - Message, Callbacks, Technical - Voice) are in no planning group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..vocabulary.media import wfm_media_type
from .org import OrgSpec, stable_id
from .store import Store
from .web import iso

WFM_SEEDED = "wfm_seeded"  # meta key (and store.cache key) once the WFM data is written
BUSINESS_UNIT_NAME = "Contact Centre"
BUSINESS_UNIT_START_DAY = "Monday"

BU_KIND = "wfm_business_unit"
TEMPLATE_KIND = "wfm_service_goal_template"
PLANNING_GROUP_KIND = "wfm_planning_group"

BASE = "/api/v2/workforcemanagement/businessunits"


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    name: str
    service_level: tuple[int, int]  # (percent, seconds)
    asa_seconds: int | None  # None: not included
    abandon_percent: int | None


@dataclass(frozen=True)
class PlanningGroupSpec:
    name: str
    template: str  # TemplateSpec.key
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # (queue key, skill names)


TEMPLATES = (
    TemplateSpec("voice", "Voice 80/20", (80, 20), None, 5),
    TemplateSpec("sales", "Sales voice 85/15", (85, 15), 15, 4),
    TemplateSpec("billing", "Billing voice 80/30", (80, 30), None, 6),
    TemplateSpec("chat", "Chat 80/60", (80, 60), None, 10),
    TemplateSpec("email", "Email 90 in 4 h", (90, 14_400), None, None),
    TemplateSpec("vip", "VIP 90/10", (90, 10), 8, 2),
)

PLANNING_GROUPS = (
    PlanningGroupSpec("Support Voice", "voice", (("support_voice", ("English",)),)),
    PlanningGroupSpec("Sales Voice", "sales", (("sales_voice", ()), ("sales_overflow", ()))),
    PlanningGroupSpec("Billing Voice", "billing", (("billing_voice", ()),)),
    PlanningGroupSpec("Digital Support", "chat", (("support_chat", ()), ("technical_chat", ()))),
    PlanningGroupSpec("Email", "email", (("support_email", ()), ("returns_email", ()))),
    PlanningGroupSpec("VIP", "vip", (("vip_voice", ("VIP",)),)),
)


def business_unit_id(org: OrgSpec) -> str:
    return stable_id(org.seed, "wfm", "business_unit")


def seed_user(org: OrgSpec) -> dict[str, str]:
    user_id = stable_id(org.seed, "wfm", "seed-user")
    return {"id": user_id, "selfUri": f"/api/v2/users/{user_id}"}


def metadata(
    version: int, created: str, by: dict[str, str], modified: str | None = None
) -> dict[str, Any]:
    """``WfmVersionedEntityMetadata``."""
    return {
        "version": version,
        "dateCreated": created,
        "createdBy": by,
        "dateModified": modified or created,
        "modifiedBy": by,
    }


def stored(entity: dict[str, Any], bu_id: str) -> dict[str, Any]:
    """The row body for an entity of a business unit."""
    return {
        "id": entity["id"],
        "name": entity.get("name") or entity.get("description") or entity["id"],
        "businessUnitId": bu_id,
        "entity": entity,
    }


def created_at(store: Store) -> str:
    """When the seeded WFM entities say they were created: 09:00 UTC on the history's first day."""
    start = store.get_meta("start_date")
    day = dt.date.fromisoformat(start) if start else dt.date(2020, 1, 1)
    return iso(dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone.utc))


def ensure_wfm(store: Store, org: OrgSpec) -> None:
    """Write the WFM data once (cheap after the first call)."""
    if store.cache.get(WFM_SEEDED):
        return
    if store.get_meta(WFM_SEEDED) is None:
        with store.transaction() as db:
            # checked again inside: another handler may have seeded since
            if db.execute("SELECT 1 FROM meta WHERE key = ?", (WFM_SEEDED,)).fetchone() is None:
                _seed(db, store, org)
                Store.set_meta(db, WFM_SEEDED, "1")
    store.cache[WFM_SEEDED] = True


def _seed(db: Any, store: Store, org: OrgSpec) -> None:
    created = created_at(store)
    by = seed_user(org)
    bu_id = business_unit_id(org)
    division = {
        "id": org.division_id,
        "selfUri": f"/api/v2/authorization/divisions/{org.division_id}",
    }
    Store.put(
        db,
        BU_KIND,
        stored(
            {
                "id": bu_id,
                "name": BUSINESS_UNIT_NAME,
                "division": division,
                "settings": {
                    "startDayOfWeek": BUSINESS_UNIT_START_DAY,
                    "timeZone": org.time_zone,
                    "shortTermForecasting": {"defaultHistoryWeeks": 6},
                    "metadata": metadata(1, created, by),
                },
                "selfUri": f"{BASE}/{bu_id}",
            },
            bu_id,
        ),
    )
    template_ids = {}
    for spec in TEMPLATES:
        template_id = stable_id(org.seed, "wfm", "template", spec.key)
        template_ids[spec.key] = template_id
        percent, seconds = spec.service_level
        Store.put(
            db,
            TEMPLATE_KIND,
            stored(
                {
                    "id": template_id,
                    "name": spec.name,
                    "serviceLevel": {"include": True, "percent": percent, "seconds": seconds},
                    "averageSpeedOfAnswer": {
                        "include": spec.asa_seconds is not None,
                        "seconds": spec.asa_seconds or 30,
                    },
                    "abandonRate": {
                        "include": spec.abandon_percent is not None,
                        "percent": spec.abandon_percent or 5,
                    },
                    "metadata": metadata(1, created, by),
                    "selfUri": f"{BASE}/{bu_id}/servicegoaltemplates/{template_id}",
                },
                bu_id,
            ),
        )
    specs = {q.key: q for q in org.queues}
    for group in PLANNING_GROUPS:
        group_id = stable_id(org.seed, "wfm", "planning_group", group.name)
        paths = []
        for queue_key, skills in group.paths:
            queue_id = org.queue_ids[queue_key]
            path: dict[str, Any] = {
                "queue": {"id": queue_id, "selfUri": f"/api/v2/routing/queues/{queue_id}"},
                "mediaType": wfm_media_type(specs[queue_key].workload.media_type),
            }
            if skills:
                path["skills"] = [
                    {
                        "id": org.skill_ids[s],
                        "selfUri": f"/api/v2/routing/skills/{org.skill_ids[s]}",
                    }
                    for s in skills
                ]
            paths.append(path)
        template_id = template_ids[group.template]
        Store.put(
            db,
            PLANNING_GROUP_KIND,
            stored(
                {
                    "id": group_id,
                    "name": group.name,
                    "serviceGoalTemplate": {
                        "id": template_id,
                        "selfUri": f"{BASE}/{bu_id}/servicegoaltemplates/{template_id}",
                    },
                    "routePaths": paths,
                    "metadata": metadata(1, created, by),
                    "selfUri": f"{BASE}/{bu_id}/planninggroups/{group_id}",
                },
                bu_id,
            ),
        )
