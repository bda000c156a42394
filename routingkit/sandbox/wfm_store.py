"""Reading and versioning the sandbox's WFM entities (shared by the WFM endpoint modules).

Rows live in the ``entities`` table as ``{"id", "name", "businessUnitId", "entity"}`` (see
:mod:`.wfm_seed`). Service goal templates and planning groups are versioned as on the platform:
an update names the ``metadata.version`` it read, a stale one is refused with 409, and each
accepted update bumps the version.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from ..genesys.wfm import DAYS_OF_WEEK
from .errors import ApiError, bad_request, not_found
from .service import Sandbox, actor_id
from .web import now_iso, sandbox
from .wfm_seed import BU_KIND, ensure_wfm


def ready(request: Request) -> Sandbox:
    """The request's sandbox, with its WFM data written (on the first WFM request)."""
    box = sandbox(request)
    ensure_wfm(box.store, box.org)
    return box


def business_unit(box: Sandbox, bu_id: str) -> dict[str, Any]:
    """A business unit's API JSON (``mine``: the caller's, the only one), or 404."""
    if bu_id == "mine":
        rows = box.store.entities(BU_KIND)
        if rows:
            return rows[0]["entity"]  # type: ignore[no-any-return]
    row = box.store.get(BU_KIND, bu_id)
    if row is None:
        raise not_found("Business unit", bu_id)
    return row["entity"]  # type: ignore[no-any-return]


def child(box: Sandbox, kind: str, bu_id: str, entity_id: str, label: str) -> dict[str, Any]:
    """An entity of business unit ``bu_id`` (its API JSON), or 404 naming it."""
    row = box.store.get(kind, entity_id)
    if row is None or row.get("businessUnitId") != bu_id:
        raise not_found(label, entity_id)
    return row["entity"]  # type: ignore[no-any-return]


def children(box: Sandbox, kind: str, bu_id: str) -> list[dict[str, Any]]:
    """Every entity of a kind in a business unit, in name order."""
    return [r["entity"] for r in box.store.entities(kind) if r.get("businessUnitId") == bu_id]


def checked_version(current: dict[str, Any], sent: int, label: str) -> None:
    """409 unless ``sent`` is the entity's current ``metadata.version``."""
    version = int((current.get("metadata") or {}).get("version") or 0)
    if sent != version:
        raise ApiError(
            409,
            f"{label} {current.get('name')!r} is at version {version}; this update was based on "
            f"version {sent}. Read it again and reapply the change",
            "general.conflict",
        )


def bumped(entity: dict[str, Any], request: Request) -> dict[str, Any]:
    """``entity`` with its version raised by one and the caller as the last modifier."""
    updated = copy.deepcopy(entity)
    meta = dict(updated.get("metadata") or {})
    client_id = request.scope.get("state", {}).get("client_id", "")
    user = actor_id(client_id)
    meta.update(
        version=int(meta.get("version") or 0) + 1,
        dateModified=now_iso(),
        modifiedBy={"id": user, "selfUri": f"/api/v2/users/{user}"},
    )
    updated["metadata"] = meta
    return updated


def week_start(business: dict[str, Any], raw: str, field: str = "weekDateId") -> dt.date:
    """The week date of a path, which must be the business unit's start day of the week."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            f"{field} {raw[:40]!r} is not a date; write it as yyyy-MM-dd", field
        ) from None
    start = str((business.get("settings") or {}).get("startDayOfWeek") or "Monday")
    if DAYS_OF_WEEK[day.weekday()] != start:
        raise bad_request(
            f"{field} {raw} is a {DAYS_OF_WEEK[day.weekday()]}; weeks of business unit "
            f"{business.get('name')!r} start on {start}",
            field,
        )
    return day


def week_start_instant(business: dict[str, Any], day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the business unit's time zone."""
    zone = ZoneInfo(str((business.get("settings") or {}).get("timeZone") or "UTC"))
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)
