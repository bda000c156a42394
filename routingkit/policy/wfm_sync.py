"""Routing and workforce management in step: WFM's goals in, routingkit's workload out.

- :func:`goals_from_planning_groups`: the service goal each queue and media type gets from its
  planning group's service goal template (``serviceLevel`` with ``include``), as
  :class:`ServiceGoal` with source ``wfm``; ``org_inputs.wfm_goals`` reads them from an org.
- :func:`forecast_import`: a typical week (``arrival_rate`` per second and ``aht_seconds`` per
  queue, media type, weekday and interval) as WFM's short-term forecast document: offered per
  15-minute interval and AHT, per planning group, summed over its route paths (AHT weighted by
  the offered), from the business unit's first day of the week at 00:00.
- :func:`push_forecast`: that document imported into a business unit's week.

Times: the typical week's weekdays and slots are local times; they are taken to be in the
business unit's time zone (fetch the history in that zone: ``routingkit wfm push-forecast``
does). A week with a daylight-saving change still has 672 intervals (7 × 96): WFM's weeks are
counted in intervals from the week start, and the hour that repeats or is skipped is not
corrected for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..genesys import GenesysClient
from ..genesys.models import Queue
from ..genesys.wfm import (
    DAYS_OF_WEEK,
    INTERVAL_MINUTES,
    INTERVALS_PER_WEEK,
    BusinessUnit,
    ForecastPlanningGroupData,
    PlanningGroup,
    ServiceGoalTemplate,
    ShortTermForecast,
    ShortTermForecastImport,
)
from ..vocabulary.media import analytics_media_type
from .goals import GoalKey, ServiceGoal

log = logging.getLogger("routingkit.policy")

INTERVAL_SECONDS = INTERVAL_MINUTES * 60
_INTERVALS_PER_DAY = INTERVALS_PER_WEEK // 7
_WEEK_COLUMNS = ("queue_id", "media_type", "weekday", "slot_minute", "interval_seconds")


class WfmSyncError(ValueError):
    """WFM data routingkit cannot use as asked; the message says what and what to do."""


class NoBusinessUnitError(WfmSyncError):
    """The org has no WFM business unit (so no schedules, forecasts or planning groups)."""


# --- goals ---------------------------------------------------------------------------------


def template_goal(template: ServiceGoalTemplate) -> ServiceGoal | None:
    """The template's service level as a ServiceGoal, or None when it has none routingkit can
    staff to (not included, incomplete, or 0 % / 100 %)."""
    level = template.service_level
    if level is None or not level.include or level.percent is None or level.seconds is None:
        return None
    if not 0 < level.percent < 100:
        log.warning(
            "service goal template %r asks %s %% in %s s; routingkit staffs to service levels "
            "strictly between 0 and 100 %%, so the queue's own goal applies",
            template.name,
            level.percent,
            level.seconds,
        )
        return None
    return ServiceGoal(
        service_level=level.percent / 100.0,
        target_seconds=float(level.seconds),
        source="wfm",
        note=f"template {template.name!r}",
    )


def goals_from_planning_groups(
    groups: Iterable[PlanningGroup],
    templates: Iterable[ServiceGoalTemplate],
    *,
    wanted: Iterable[GoalKey] | None = None,
) -> dict[GoalKey, ServiceGoal]:
    """{(queue_id, analytics media type): goal} from the planning groups' templates.

    A queue and media type routed to several planning groups (by language or skills) with
    different goals takes the first group's by name; its note names the others.
    """
    by_id = {t.id: t for t in templates if t.id}
    keep = set(wanted) if wanted is not None else None
    goals: dict[GoalKey, ServiceGoal] = {}
    for group in sorted(groups, key=lambda g: (g.name or "", g.id or "")):
        ref = group.service_goal_template
        template = by_id.get(ref.id) if ref is not None and ref.id else None
        goal = template_goal(template) if template is not None else None
        if goal is None:
            continue
        for path in group.route_paths or []:
            if path.queue is None or not path.queue.id or not path.media_type:
                continue
            key = (path.queue.id, analytics_media_type(str(path.media_type)))
            if keep is not None and key not in keep:
                continue
            note = f"planning group {group.name!r}, {goal.note}"
            earlier = goals.get(key)
            if earlier is None:
                goals[key] = goal.model_copy(update={"note": note})
            elif earlier.service_level != goal.service_level or (
                earlier.target_seconds != goal.target_seconds
            ):
                goals[key] = earlier.model_copy(
                    update={"note": f"{earlier.note}; also in {note} asking {goal}"}
                )
    return goals


# --- forecasts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastBuild:
    """A forecast document and what could not go into it."""

    document: ShortTermForecastImport
    notes: list[str] = field(default_factory=list)


def _series(rows: pd.DataFrame, start_weekday: int) -> tuple[np.ndarray, np.ndarray]:
    """Offered and handle work (offered × AHT) per 15-minute interval of the WFM week."""
    offered = np.zeros(INTERVALS_PER_WEEK)
    work = np.zeros(INTERVALS_PER_WEEK)
    days = (rows["weekday"].to_numpy(dtype=int) - start_weekday) % 7
    begins = days * 86_400 + rows["slot_minute"].to_numpy(dtype=int) * 60
    columns = (
        rows["arrival_rate"].to_numpy(dtype=float).tolist(),
        rows["aht_seconds"].to_numpy(dtype=float).tolist(),
        begins.tolist(),
        rows["interval_seconds"].to_numpy(dtype=int).tolist(),
    )
    for rate, aht, begin, length in zip(*columns, strict=True):
        if rate <= 0:
            continue
        end = begin + length
        for index in range(begin // INTERVAL_SECONDS, -(-end // INTERVAL_SECONDS)):
            low = max(begin, index * INTERVAL_SECONDS)
            high = min(end, (index + 1) * INTERVAL_SECONDS)
            count = rate * (high - low)
            offered[index % INTERVALS_PER_WEEK] += count  # a week's end wraps to its start
            work[index % INTERVALS_PER_WEEK] += count * aht
    return offered, work


def forecast_import(
    week: pd.DataFrame,
    planning_groups: Sequence[PlanningGroup],
    *,
    start_day_of_week: str = "Monday",
    description: str | None = None,
) -> ForecastBuild:
    """The typical ``week`` as a one-week forecast document for ``planning_groups``.

    ``week`` needs ``queue_id``, ``media_type`` (analytics names), ``weekday`` (0 = Monday),
    ``slot_minute``, ``interval_seconds``, ``arrival_rate`` (per second) and ``aht_seconds``.
    Intervals of any length are spread over the 15-minute grid by their overlap. A planning
    group with no volume in the week is left out (and noted); so is each route path the week
    has no rows for. ``description`` defaults to one naming the content's digest.
    """
    missing = [c for c in (*_WEEK_COLUMNS, "arrival_rate", "aht_seconds") if c not in week]
    if missing:
        raise WfmSyncError(
            f"the typical week lacks column(s) {', '.join(missing)}; build it with "
            "routingkit.workload.typical_week or read_workload"
        )
    if start_day_of_week not in DAYS_OF_WEEK:
        raise WfmSyncError(
            f"start day of week {start_day_of_week!r} is not one of {', '.join(DAYS_OF_WEEK)}"
        )
    start_weekday = DAYS_OF_WEEK.index(start_day_of_week)
    frame = week.assign(
        queue_id=week["queue_id"].astype(str),
        media_type=[analytics_media_type(str(m)) for m in week["media_type"]],
    )
    by_key = {key: rows for key, rows in frame.groupby(["queue_id", "media_type"], sort=False)}
    notes: list[str] = []
    data: list[ForecastPlanningGroupData] = []
    for group in sorted(planning_groups, key=lambda g: (g.name or "", g.id or "")):
        offered = np.zeros(INTERVALS_PER_WEEK)
        work = np.zeros(INTERVALS_PER_WEEK)
        for path in group.route_paths or []:
            queue_id = path.queue.id if path.queue is not None else None
            media = analytics_media_type(str(path.media_type or ""))
            rows = by_key.get((queue_id, media))
            if rows is None:
                notes.append(
                    f"planning group {group.name!r}: no workload for queue {queue_id} ({media})"
                )
                continue
            path_offered, path_work = _series(rows, start_weekday)
            offered += path_offered
            work += path_work
        total = float(offered.sum())
        if not group.id or total <= 0:
            notes.append(f"planning group {group.name!r}: no volume in the week, left out")
            continue
        mean_aht = float(work.sum()) / total
        aht = np.where(offered > 0, work / np.where(offered > 0, offered, 1.0), mean_aht)
        data.append(
            ForecastPlanningGroupData(
                planning_group_id=group.id,
                offered_per_interval=[round(float(v), 6) for v in offered],
                average_handle_time_seconds_per_interval=[round(float(v), 3) for v in aht],
            )
        )
    if not data:
        raise WfmSyncError(
            "no planning group has volume in the typical week: "
            + ("; ".join(notes) if notes else "the business unit has no planning groups")
        )
    digest = hashlib.sha256(
        json.dumps([d.to_api() for d in data], sort_keys=True).encode()
    ).hexdigest()[:12]
    document = ShortTermForecastImport(
        description=description or f"routingkit typical week {digest}",
        week_count=1,
        planning_groups=data,
        can_use_for_scheduling=True,
    )
    return ForecastBuild(document, notes)


@dataclass(frozen=True)
class ForecastPush:
    """What ``push_forecast`` imported, where."""

    business_unit: BusinessUnit
    week_start: dt.date
    forecast: ShortTermForecast
    document: ShortTermForecastImport
    notes: list[str]


def with_queue_ids(week: pd.DataFrame, queues: Sequence[Queue]) -> pd.DataFrame:
    """``week`` with each ``queue_id`` that is not an org queue's id replaced by the id of the
    queue of that name (a workload file may name its queues only); others are kept."""
    ids = {q.id for q in queues if q.id}
    by_name = {(q.name or "").strip().lower(): q.id for q in queues if q.id and q.name}
    resolved = [
        qid if qid in ids else by_name.get(str(name).strip().lower(), qid)
        for qid, name in zip(
            week["queue_id"].astype(str), week["queue_name"].astype(str), strict=True
        )
    ]
    result: pd.DataFrame = week.assign(queue_id=resolved)
    return result


def business_unit_for(client: GenesysClient, business_unit_id: str | None = None) -> BusinessUnit:
    """The business unit named, or the org's only one (an error lists them when there are
    several), with its settings."""
    if business_unit_id:
        return client.wfm.business_unit(business_unit_id)
    units = client.wfm.business_units()
    if not units:
        raise NoBusinessUnitError("the org has no WFM business unit; create one in WFM first")
    if len(units) > 1:
        listed = ", ".join(f"{u.name} ({u.id})" for u in units)
        raise WfmSyncError(f"the org has several business units ({listed}); name one by its id")
    assert units[0].id is not None
    return client.wfm.business_unit(units[0].id)


def start_day(unit: BusinessUnit) -> str:
    return str((unit.settings.start_day_of_week if unit.settings else None) or "Monday")


def check_week_start(unit: BusinessUnit, week_start: dt.date) -> None:
    """A WFM week starts on the business unit's start day; refuse another day, naming both."""
    first = start_day(unit)
    if DAYS_OF_WEEK[week_start.weekday()] != first:
        raise WfmSyncError(
            f"{week_start} is a {DAYS_OF_WEEK[week_start.weekday()]}; weeks of business unit "
            f"{unit.name!r} start on {first}: give a {first}"
        )


def push_forecast(
    client: GenesysClient,
    week: pd.DataFrame,
    week_start: dt.date,
    *,
    business_unit_id: str | None = None,
    description: str | None = None,
    timeout: float = 300.0,
) -> ForecastPush:
    """Import the typical ``week`` as the short-term forecast of the week from ``week_start``."""
    unit = business_unit_for(client, business_unit_id)
    assert unit.id is not None
    check_week_start(unit, week_start)
    groups = client.wfm.planning_groups(unit.id)
    built = forecast_import(
        week, groups, start_day_of_week=start_day(unit), description=description
    )
    forecast = client.wfm.import_short_term_forecast(
        unit.id, week_start, built.document, timeout=timeout
    )
    return ForecastPush(unit, week_start, forecast, built.document, built.notes)
