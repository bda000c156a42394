"""What the staffing pipeline reads from the org: the one place it makes API calls.

The org's identity (recorded in every capacity plan), each queue's configured service goal
(``mediaSettings.<media>.serviceLevel``), the goal WFM schedules it to (its planning group's
service goal template), the interactions one agent works at once per media type (org
utilization) and, for one WFM week, the agents scheduled and on queue with WFM's requirement
(:func:`workforce_inputs`). Everything else in the pipeline is a pure function on tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from ..genesys import ForbiddenError, GenesysClient, NotFoundError
from ..genesys.models import Queue, analytics_media_type, queue_media_key
from ..genesys.wfm import BusinessUnit, ShortTermForecast
from .capacity_plan import OrgRef
from .goals import GoalKey, ServiceGoal
from .wfm_sync import (
    NoBusinessUnitError,
    WfmSyncError,
    business_unit_for,
    check_week_start,
    goals_from_planning_groups,
)
from .workforce import (
    Attribution,
    WeekGrid,
    WfmRequirement,
    WorkforceInputs,
    WorkforceView,
    code_queues,
    last_complete_week,
    week_start_instant,
    workforce_view,
)


def org_reference(client: GenesysClient) -> OrgRef:
    """The org the client is connected to, as a capacity plan records it."""
    org = client.organization.me()
    if not org.id:
        raise ValueError("the org answered GET /api/v2/organizations/me without an id")
    return OrgRef(id=org.id, name=org.name or "", api_url=client.api_url)


def org_goals(client: GenesysClient, queues: pd.DataFrame) -> dict[GoalKey, ServiceGoal]:
    """The service goal each queue of ``queues`` (queue_id, media_type rows) has configured.

    Read from the queue's media settings for that media type; a queue without a configured
    service level is left out (the default then applies, and says so).
    """
    wanted: dict[str, set[str]] = {}
    for qid, media in queues[["queue_id", "media_type"]].drop_duplicates().itertuples(index=False):
        wanted.setdefault(str(qid), set()).add(str(media))
    goals: dict[GoalKey, ServiceGoal] = {}
    for queue in _queues(client, wanted):
        if queue.id is None or queue.media_settings is None:
            continue
        for media in wanted.get(queue.id, ()):
            setting = getattr(queue.media_settings, queue_media_key(media), None)
            level = setting.service_level if setting is not None else None
            if level is None or level.percentage is None or level.duration_ms is None:
                continue
            goals[(queue.id, media)] = ServiceGoal(
                service_level=float(level.percentage),
                target_seconds=level.duration_ms / 1000.0,
                source="org",
            )
    return goals


def wfm_goals(client: GenesysClient, queues: pd.DataFrame) -> dict[GoalKey, ServiceGoal]:
    """The goal WFM schedules each queue of ``queues`` (queue_id, media_type rows) to.

    From the service goal template of the planning group each queue and media type is routed
    to, in every business unit (source ``wfm``; ``resolve_goals`` prefers it to the queue's
    own setting and notes where they disagree). A queue in no planning group, or whose
    template includes no service level, is left out. An org without WFM, or a client without
    its permissions, has no WFM goals: empty, not an error.
    """
    wanted = {
        (str(qid), str(media))
        for qid, media in queues[["queue_id", "media_type"]]
        .drop_duplicates()
        .itertuples(index=False)
    }
    goals: dict[GoalKey, ServiceGoal] = {}
    try:
        units = client.wfm.business_units()
        for unit in units:
            if not unit.id:
                continue
            found = goals_from_planning_groups(
                client.wfm.planning_groups(unit.id),
                client.wfm.service_goal_templates(unit.id),
                wanted=wanted,
            )
            for key, goal in found.items():
                goals.setdefault(key, goal)
    except (ForbiddenError, NotFoundError):
        return {}
    return goals


def _queues(client: GenesysClient, wanted: dict[str, set[str]]) -> list[Queue]:
    if len(wanted) <= 20:
        return [client.queues.get(qid) for qid in wanted]
    return [q for q in client.queues.list() if q.id in wanted]


def media_concurrency(client: GenesysClient) -> dict[str, int]:
    """Interactions one agent works at once, per analytics media type (org utilization)."""
    settings = client.utilization.org().utilization or {}
    out: dict[str, int] = {}
    for key, media in settings.items():
        if media.maximum_capacity:
            out[analytics_media_type(key)] = int(media.maximum_capacity)
    return out


def business_unit(client: GenesysClient, business_unit_id: str | None = None) -> BusinessUnit:
    """The business unit named (an unknown id is a ``WfmSyncError`` saying how to find the
    right one), or the org's only one, with its settings."""
    try:
        return business_unit_for(client, business_unit_id)
    except NotFoundError:
        if not business_unit_id:
            raise
        raise WfmSyncError(
            f"the org has no business unit {business_unit_id!r}: list them with GET "
            "/api/v2/workforcemanagement/businessunits, or leave the id out to use the org's "
            "only one"
        ) from None


def workforce_inputs(
    client: GenesysClient,
    week_start: dt.date,
    *,
    business_unit_id: str | None = None,
    queue_ids: Iterable[str] | None = None,
) -> WorkforceInputs:
    """Everything the org says about the WFM week from ``week_start``, for
    ``workforce.workforce_view``: the business unit (the one named, or the org's only one),
    its planning groups and activity codes, the queues (``queue_ids``, default every queue)
    and their joined members, those members' published schedules and routing status, and
    WFM's staffing requirement of the week's forecast.

    A week not starting on the business unit's first day is refused (``WfmSyncError``, naming
    both days), as is an unknown business unit (``NotFoundError`` from the org, re-raised
    naming the id). The forecast is the newest of the week that WFM may schedule with (else
    the newest); a week without one has no WFM requirement, and ``notes`` says so.
    """
    unit = business_unit(client, business_unit_id)
    assert unit.id is not None
    check_week_start(unit, week_start)
    grid = WeekGrid(week_start_instant(unit, week_start))
    zone = (unit.settings.time_zone if unit.settings else None) or "UTC"
    queues = {q.id: q.name or q.id for q in client.queues.list() if q.id}
    if queue_ids is not None:
        wanted = set(queue_ids)
        unknown = sorted(wanted - set(queues))
        if unknown:
            raise WfmSyncError(f"the org has no queue(s) {', '.join(unknown)}")
        queues = {q: n for q, n in queues.items() if q in wanted}
    joined: dict[str, set[str]] = {}
    for queue_id in queues:
        for member in client.queues.members(queue_id, joined=True):
            user = member.id or (member.user.id if member.user else None)
            if user and member.joined is not False:
                joined.setdefault(user, set()).add(queue_id)
    users = sorted(joined)
    groups = client.wfm.planning_groups(unit.id)
    codes = code_queues(client.wfm.activity_codes(unit.id), groups)
    notes: list[str] = []
    if not codes:
        notes.append(
            f"business unit {unit.name!r} has no on-queue activity code: nobody is scheduled"
        )
    # A shift starting the evening before the week may run into it: search from a day before.
    schedules = client.wfm.agent_schedules(
        unit.id, grid.start - dt.timedelta(days=1), grid.end, users
    ).agent_schedules
    # The intervals not over by now have no staffed figure yet (the query sees up to now).
    read_at = dt.datetime.now(dt.timezone.utc)
    statuses = client.analytics.routing_status_time(
        users, grid.start, grid.end, granularity="PT15M", time_zone=zone
    )
    return WorkforceInputs(
        business_unit=unit,
        grid=grid,
        queues=queues,
        joined={u: frozenset(q) for u, q in joined.items()},
        planning_groups=groups,
        codes=codes,
        schedules=schedules,
        statuses=statuses,
        wfm=_wfm_requirement(client, unit, week_start, notes),
        notes=notes,
        read_at=read_at,
    )


def _wfm_requirement(
    client: GenesysClient, unit: BusinessUnit, week_start: dt.date, notes: list[str]
) -> WfmRequirement:
    assert unit.id is not None
    forecasts = client.wfm.short_term_forecasts(unit.id, week_start)
    if not forecasts:
        notes.append(
            f"no short-term forecast for the week of {week_start}: no WFM requirement (give "
            "WFM one with routingkit wfm push-forecast, or plan with --forecast-week)"
        )
        return WfmRequirement({})

    def created(forecast: ShortTermForecast) -> str:
        meta = forecast.metadata
        return meta.date_created.isoformat() if meta and meta.date_created else ""

    usable = [f for f in forecasts if f.can_use_for_scheduling is not False] or forecasts
    forecast = max(usable, key=created)
    assert forecast.id is not None
    requirement = client.wfm.staffing_requirement(unit.id, week_start, forecast.id)
    return WfmRequirement(
        requirement.per_planning_group(0), forecast.id, forecast.description or None
    )


def org_workforce_view(
    client: GenesysClient,
    plan: pd.DataFrame | None,
    *,
    end: dt.date,
    week_start: dt.date | None = None,
    business_unit_id: str | None = None,
    required_column: str = "required_agents",
    attribution: Attribution = "need",
) -> tuple[WorkforceView | None, str]:
    """Required (``plan``), scheduled, staffed and WFM required agents for one WFM week of the
    org, with a line saying what was compared; ``(None, why)`` when the org has no WFM
    business unit this client can read (no schedules to compare with).

    ``week_start`` defaults to the last complete business-unit week before ``end`` (the
    history's end, exclusive). A bad week or business unit is an error, not a None.
    """
    try:
        unit = business_unit(client, business_unit_id)
    except ForbiddenError:
        return None, "this client may not read workforce management: no schedules to compare"
    except NotFoundError:
        return None, "the org has no workforce management: no schedules to compare"
    except NoBusinessUnitError as exc:
        return None, f"{exc}: no schedules to compare"
    assert unit.id is not None
    week = week_start or last_complete_week(unit, end)
    inputs = workforce_inputs(client, week, business_unit_id=unit.id)
    view = workforce_view(inputs, plan, required_column=required_column, attribution=attribution)
    said = (
        f"WFM week of {week} in business unit {unit.name!r}: scheduled from published "
        f"schedules, staffed from routing status, agents of several queues shared by "
        f"{attribution}"
    )
    return view, said
