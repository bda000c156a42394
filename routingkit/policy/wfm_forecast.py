"""The capacity plan's workload as WFM's forecast, planned and applied like any other change.

``routingkit plan --forecast-week YYYY-MM-DD`` adds to the plan the short-term forecast that
WFM should schedule that week with: the capacity plan's typical week (offered per 15-minute
interval and AHT, per planning group; see ``wfm_sync.forecast_import``), so WFM schedules to
the workload the analyst modelled and staffed. The document is in the plan (what is reviewed is
what is imported; the plan id covers it); the apply imports it after the routing changes and
journals the forecast it made; a rollback deletes that forecast (an import never changes an
existing forecast, so there is nothing else to restore).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..genesys import GenesysClient
from .capacity_plan import CapacityPlan
from .wfm_sync import business_unit_for, check_week_start, forecast_import, start_day
from .wfm_templates import WfmState

__all__ = ["ForecastChange", "capacity_week", "plan_forecast"]


class ForecastChange(BaseModel):
    """A short-term forecast the apply imports: where, for which week, and the document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    business_unit_id: str
    business_unit_name: str | None = None
    week_date: dt.date
    description: str  # distinctive: how a resumed apply finds an import that went through
    planning_groups: list[str]  # names, in the document's order
    offered_per_week: float  # all planning groups
    document: dict[str, Any]  # ShortTermForecastImport (API JSON)
    notes: list[str] = []

    @property
    def label(self) -> str:
        return f"(wfm) forecast {self.week_date.isoformat()}"


def capacity_week(capacity: CapacityPlan) -> pd.DataFrame:
    """The capacity plan's typical week as the table ``forecast_import`` reads."""
    rows = [
        {
            "queue_id": queue.queue_id,
            "media_type": queue.media_type,
            "weekday": interval.weekday,
            "slot_minute": interval.slot_minute,
            "interval_seconds": capacity.interval_seconds,
            "arrival_rate": interval.arrival_rate,
            "aht_seconds": interval.aht_seconds if interval.aht_seconds is not None else 0.0,
        }
        for queue in capacity.queues
        for interval in queue.intervals
    ]
    table: pd.DataFrame = pd.DataFrame(rows)
    return table


def plan_forecast(
    client: GenesysClient,
    capacity: CapacityPlan,
    week_date: dt.date,
    state: WfmState,
    *,
    business_unit_id: str | None = None,
) -> ForecastChange:
    """The forecast of ``week_date`` (the business unit's first day of a week) from
    ``capacity``, for the planning groups the plan read (``state``). Raises ``WfmSyncError``
    naming what to do when there is no business unit, the day is not a week start, or no
    planning group routes any of the capacity plan's queues."""
    from .wfm_sync import WfmSyncError

    if state.unavailable:
        raise WfmSyncError(f"cannot plan a forecast: {state.unavailable}")
    unit = business_unit_for(client, business_unit_id)
    assert unit.id is not None
    check_week_start(unit, week_date)
    groups = next((u.groups for u in state.units if u.id == unit.id), [])
    week = capacity_week(capacity)
    digest = hashlib.sha256(
        json.dumps(
            [unit.id, week_date.isoformat(), week.to_dict(orient="split")], default=str
        ).encode()
    ).hexdigest()[:12]
    description = f"routingkit capacity plan {capacity.created_at:%Y-%m-%d %H:%M} ({digest})"
    built = forecast_import(
        week, groups, start_day_of_week=start_day(unit), description=description
    )
    document = built.document.to_api()
    data = document.get("planningGroups") or []
    if not data:
        raise WfmSyncError(
            f"no planning group of business unit {unit.name!r} routes a queue of the capacity "
            "plan; nothing to forecast (check the planning groups' route paths in WFM)"
        )
    names = {g.id: g.name or g.id for g in groups}
    offered = sum(sum(g.get("offeredPerInterval") or []) for g in data)
    return ForecastChange(
        business_unit_id=unit.id,
        business_unit_name=unit.name,
        week_date=week_date,
        description=description,
        planning_groups=[
            str(names.get(g.get("planningGroupId"), g.get("planningGroupId"))) for g in data
        ],
        offered_per_week=round(float(offered), 3),
        document=document,
        notes=list(built.notes),
    )
