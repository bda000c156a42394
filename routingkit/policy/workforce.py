"""Required, scheduled and staffed agents per queue and interval of one WFM week, on any org.

- **required**: the agents routingkit's capacity plan asks for (``required_agents`` of
  ``CapacityPlan.to_frame()``, or any column of a requirements table), per queue and media type;
- **scheduled**: agents on an on-queue activity of their published schedule (activity code
  category ``OnQueueWork``), per 15-minute interval;
- **staffed**: agents actually on queue, from the time each spent in the routing statuses
  ``IDLE``, ``INTERACTING``, ``COMMUNICATING`` and ``NOT_RESPONDING`` (every status of the
  SDK's ``RoutingStatus`` but ``OFF_QUEUE``: an agent who lets an alert ring is still on queue
  and still counted by WFM's on-queue time);
- **WFM required**: WFM's staffing requirement of the week's short-term forecast, per planning
  group.

Conventions (each a choice where the platform says nothing):

- *Partial coverage*: an activity or a status covering part of an interval counts as that
  fraction of an agent (the WFM convention: agents = on-queue seconds / interval seconds).
- *Which queue*: neither a schedule nor a routing status names a queue. An agent's on-queue
  time counts for the queues he is a joined member of, narrowed, for a scheduled activity whose
  code names planning groups, to those groups' queues (a code naming groups none of whose queues
  he is joined to counts for all his joined queues). Time on queue while scheduled on queue
  counts for the queues of that activity; other on-queue time for every joined queue. Among
  the queues it counts for, ``attribution`` decides. ``need`` (the view's default) shares it
  in proportion to what each queue still needs in that interval: its required agents less the
  agents only it can use (equally where none needs more), the way routing sends a shared agent
  where the work waits; ``split`` gives each an equal share; both add up over queues to the
  agents on queue. ``each`` counts the agent in every one of them (what queue observations'
  ``oOnQueueUsers`` does: the agents available to the queue); ``exclusive`` counts only agents
  who can serve that queue alone. For every queue and interval, exclusive ≤ need, split ≤ each,
  and the agents who really worked the queue lie between exclusive and each.
- *Media*: agents are on queue for all of a queue's media types; a queue with several media
  types shows the same scheduled and staffed agents on each of its media rows.
- *Time*: the week is 672 intervals of 15 minutes of the local wall clock from local midnight
  of the business unit's first day of the week (as WFM counts its weeks); weekdays and slot
  minutes are that week's local labels, and a schedule or routing status lands in the interval
  its local time falls in. The capacity plan's weekdays and slots are taken to be in the same
  time zone: build it from history in the business unit's time zone. A week with a
  daylight-saving change lasts 167 or 169 real hours (the schedules and routing status are
  read for exactly that): the skipped hour's intervals have no agents, and the repeated
  hour's add up both occurrences (on-queue seconds / 900, so agent-hours are kept: one agent
  on queue through both counts as two). WFM's requirement is placed by its interval number.
- *Staffed is unknown* (NaN) for the intervals not over when the routing status was read,
  and after the last local day with any routing status (the platform has no row for an agent
  logged out, so a day without any is one the org has no data for yet, not an empty one).
- *Membership* is today's: the platform keeps no history of who was joined when.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..genesys.analytics import ROUTING_STATUSES, StatusTime
from ..genesys.wfm import (
    DAYS_OF_WEEK,
    INTERVAL_MINUTES,
    INTERVALS_PER_WEEK,
    ActivityCode,
    AgentSchedule,
    BusinessUnit,
    PlanningGroup,
)
from ..vocabulary.media import analytics_media_type
from .staffed import STAFFED_COLUMNS

Attribution = Literal["need", "split", "each", "exclusive"]
ATTRIBUTIONS: tuple[Attribution, ...] = ("need", "split", "each", "exclusive")
ON_QUEUE_STATUSES = tuple(s for s in ROUTING_STATUSES if s != "OFF_QUEUE")
INTERVAL_SECONDS = INTERVAL_MINUTES * 60
_INTERVALS_PER_DAY = INTERVALS_PER_WEEK // 7
_WEEK_SECONDS = INTERVALS_PER_WEEK * INTERVAL_SECONDS

VIEW_COLUMNS = (
    "queue_id", "queue_name", "media_type", "planning_group", "weekday", "slot_minute",
    "interval_seconds", "required", "scheduled", "staffed", "wfm_required",
)  # fmt: skip
GROUP_COLUMNS = (
    "planning_group_id", "planning_group", "weekday", "slot_minute", "interval_seconds",
    "required", "scheduled", "staffed", "wfm_required",
)  # fmt: skip


class WorkforceError(ValueError):
    """Workforce data routingkit cannot use as asked; the message says what and what to do."""


@dataclass(frozen=True)
class WeekGrid:
    """The 672 fifteen-minute intervals of a WFM week from ``start`` (an aware instant: local
    midnight of the week's first day, in the business unit's time zone).

    Intervals are local wall-clock time: interval ``i`` is ``[start + i × 15 min)`` on the
    local clock, whatever the instants. In a week with a daylight-saving change the week lasts
    167 or 169 real hours; the skipped hour's four intervals hold no time and the repeated
    hour's hold both of its occurrences (30 real minutes each).
    """

    start: dt.datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise WorkforceError(f"the week start {self.start} needs a time zone")

    @property
    def zone(self) -> dt.tzinfo:
        """The week's time zone (``start``'s)."""
        zone = self.start.tzinfo
        assert zone is not None
        return zone

    @property
    def local_start(self) -> dt.datetime:
        """The week start on the local wall clock (naive)."""
        return self.start.replace(tzinfo=None)

    @property
    def end(self) -> dt.datetime:
        """The instant the week ends (UTC): local midnight 7 days after the start, which is
        168 real hours after it only in a week without a daylight-saving change."""
        local_end = self.local_start + dt.timedelta(seconds=_WEEK_SECONDS)
        return local_end.replace(tzinfo=self.zone).astimezone(dt.timezone.utc)

    def wall_seconds(self, moment: dt.datetime) -> float:
        """``moment`` as seconds of the local wall clock since the week start."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        return (local - self.local_start).total_seconds()

    @cached_property
    def _segments(self) -> tuple[tuple[float, float, float], ...]:
        """(first epoch second, end epoch second, wall seconds at the first) of each stretch
        of the week with one UTC offset: within one, wall-clock time runs with real time."""
        begin, end = self.start.timestamp(), self.end.timestamp()

        def offset(second: float) -> dt.timedelta | None:
            return dt.datetime.fromtimestamp(second, self.zone).utcoffset()

        edges = [begin]
        current = offset(begin)
        step = begin
        while step < end:
            following = min(step + INTERVAL_SECONDS, end)
            if offset(following) != current:
                # The first second with the new offset lies in (step, following].
                low, high = step, following
                while high - low > 1.0:
                    middle = math.floor((low + high) / 2)
                    low, high = (middle, high) if offset(middle) == current else (low, middle)
                edges.append(high)
                current = offset(high)
            step = following
        edges.append(end)
        return tuple(
            (first, last, self.wall_seconds(dt.datetime.fromtimestamp(first, self.zone)))
            for first, last in pairwise(edges)
            if last > first
        )

    def spread(self, start: dt.datetime, end: dt.datetime) -> Iterator[tuple[int, float]]:
        """(interval, share of 15 minutes) covered by the instants [start, end) of the week,
        by local wall-clock time: an interval of the repeated hour may come twice, and the
        skipped hour's never."""
        low, high = start.timestamp(), end.timestamp()
        for first, last, wall in self._segments:
            begin, finish = max(low, first), min(high, last)
            if finish > begin:
                yield from _spread(wall + begin - first, wall + finish - first)

    def labels(self) -> pd.DataFrame:
        """``weekday`` (0 = Monday) and ``slot_minute`` of each interval, local to the week."""
        first = self.start.weekday()
        index = np.arange(INTERVALS_PER_WEEK)
        return _frame(
            {
                "weekday": (first + index // _INTERVALS_PER_DAY) % 7,
                "slot_minute": (index % _INTERVALS_PER_DAY) * INTERVAL_MINUTES,
            }
        )


def _frame(
    data: Mapping[str, object] | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    result: pd.DataFrame = pd.DataFrame(data, columns=columns)
    return result


def _spread(begin: float, end: float) -> Iterable[tuple[int, float]]:
    """(interval, share of it covered) for [begin, end) wall-clock seconds from the week
    start."""
    low = max(begin, 0.0)
    high = min(end, float(_WEEK_SECONDS))
    if high <= low:
        return
    for index in range(int(low // INTERVAL_SECONDS), math.ceil(high / INTERVAL_SECONDS)):
        part = min(high, (index + 1) * INTERVAL_SECONDS) - max(low, index * INTERVAL_SECONDS)
        if part > 0:
            yield index, part / INTERVAL_SECONDS


class _Shares:
    """How one agent-interval of on-queue time is shared among the queues it counts for."""

    def __init__(
        self,
        row: Mapping[str, int],
        attribution: Attribution,
        need: npt.NDArray[np.float64] | None,
    ) -> None:
        _check_attribution(attribution)
        self.row = row
        self.attribution = attribution
        self.need = need if attribution == "need" else None
        self._known: dict[tuple[frozenset[str], int], list[tuple[int, float]]] = {}

    def __call__(self, counted: frozenset[str], index: int) -> list[tuple[int, float]]:
        key = (counted, index if self.need is not None else -1)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._compute(sorted(self.row[q] for q in counted), index)
        return found

    def _compute(self, rows: list[int], index: int) -> list[tuple[int, float]]:
        if self.attribution == "each":
            return [(r, 1.0) for r in rows]
        if self.attribution == "exclusive":
            return [(rows[0], 1.0)] if len(rows) == 1 else []
        if self.need is not None and len(rows) > 1:
            wants = self.need[rows, index]
            total = float(wants.sum())
            if total > 0:
                return [(r, float(w) / total) for r, w in zip(rows, wants, strict=True)]
        return [(r, 1.0 / len(rows)) for r in rows]


def code_queues(
    codes: Iterable[ActivityCode], planning_groups: Iterable[PlanningGroup]
) -> dict[str, frozenset[str] | None]:
    """{on-queue activity code id: the queue ids it is for, or None for any queue}."""
    routed = {
        g.id: frozenset(p.queue.id for p in g.route_paths or [] if p.queue and p.queue.id)
        for g in planning_groups
        if g.id
    }
    out: dict[str, frozenset[str] | None] = {}
    for code in codes:
        if not code.id or not code.on_queue:
            continue
        groups = [r.id for r in code.planning_groups or [] if r.id]
        out[code.id] = (
            frozenset().union(*(routed.get(g, frozenset()) for g in groups)) if groups else None
        )
    return out


@dataclass
class AgentTable:
    """Agents per queue (rows, in ``queues`` order) and interval of the week (columns)."""

    queues: list[str]
    agents: npt.NDArray[np.float64]

    def frame(self, grid: WeekGrid) -> pd.DataFrame:
        """The table in ``policy.staffed``'s format (one row per queue and interval)."""
        labels = grid.labels()
        frames = [
            labels.assign(queue_id=queue, interval_seconds=INTERVAL_SECONDS, agents=self.agents[i])
            for i, queue in enumerate(self.queues)
        ]
        if not frames:
            return _frame(columns=list(STAFFED_COLUMNS))
        result: pd.DataFrame = pd.concat(frames, ignore_index=True)[list(STAFFED_COLUMNS)]
        return result


@dataclass
class Scheduled:
    """Scheduled agents, and which queues each agent's on-queue time was for, per interval."""

    table: AgentTable
    eligible: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)


def scheduled_agents(
    schedules: Iterable[AgentSchedule],
    codes: Mapping[str, frozenset[str] | None],
    joined: Mapping[str, frozenset[str]],
    grid: WeekGrid,
    *,
    queues: Sequence[str],
    attribution: Attribution = "split",
    need: npt.NDArray[np.float64] | None = None,
) -> Scheduled:
    """Agents scheduled on queue per queue of ``queues`` and interval of the week.

    ``codes`` from :func:`code_queues` (an activity whose code is not there is not on queue);
    ``joined``: {user id: ids of the queues he is a joined member of}; ``need`` (attribution
    ``need``): agents each queue still needs per interval, (queues, 672). See the module
    docstring for the conventions.
    """
    row = {q: i for i, q in enumerate(queues)}
    shares = _Shares(row, attribution, need)
    agents = np.zeros((len(queues), INTERVALS_PER_WEEK))
    eligible: dict[tuple[str, int], frozenset[str]] = {}
    covered: dict[tuple[str, int], float] = {}
    for schedule in schedules:
        user = schedule.user.id or ""
        member = joined.get(user, frozenset())
        for shift in schedule.shifts:
            for activity in shift.activities:
                code = activity.activity_code_id
                if code is None or code not in codes:
                    continue
                limit = codes[code]
                counted = member if limit is None else (member & limit) or member
                counted = frozenset(q for q in counted if q in row)
                if not counted:
                    continue
                # In UTC: a length is real minutes, not a wall-clock span.
                begins = activity.start_date.astimezone(dt.timezone.utc)
                ends = begins + dt.timedelta(minutes=activity.length_minutes)
                for index, share in grid.spread(begins, ends):
                    if share > covered.get((user, index), 0.0):
                        covered[(user, index)] = share
                        eligible[(user, index)] = counted
                    for at, weight in shares(counted, index):
                        agents[at, index] += share * weight
    return Scheduled(AgentTable(list(queues), agents), eligible)


def staffed_agents(
    statuses: Iterable[StatusTime],
    joined: Mapping[str, frozenset[str]],
    grid: WeekGrid,
    *,
    queues: Sequence[str],
    scheduled_for: Mapping[tuple[str, int], frozenset[str]] | None = None,
    attribution: Attribution = "split",
    need: npt.NDArray[np.float64] | None = None,
    on_queue: Sequence[str] = ON_QUEUE_STATUSES,
) -> AgentTable:
    """Agents on queue per queue of ``queues`` and interval: on-queue seconds / 900.

    ``statuses``: time per agent, bucket and routing status (``AnalyticsApi.
    routing_status_time``); a bucket longer than an interval is spread evenly over it.
    ``scheduled_for``: the queues each agent's scheduled on-queue time was for
    (``Scheduled.eligible``); elsewhere his joined queues. ``need`` as for
    :func:`scheduled_agents`.
    """
    unknown = [s for s in on_queue if s not in ROUTING_STATUSES]
    if unknown:
        raise WorkforceError(
            f"routing status(es) {', '.join(unknown)} are not the platform's; use some of "
            + ", ".join(ROUTING_STATUSES)
        )
    wanted = set(on_queue)
    row = {q: i for i, q in enumerate(queues)}
    shares = _Shares(row, attribution, need)
    agents = np.zeros((len(queues), INTERVALS_PER_WEEK))
    plan = scheduled_for or {}
    for item in statuses:
        if item.routing_status not in wanted or item.seconds <= 0:
            continue
        length = item.end.timestamp() - item.start.timestamp()  # real seconds, in any zone
        if length <= 0:
            continue
        per_second = item.seconds / length
        member = joined.get(item.user_id, frozenset())
        for index, share in grid.spread(item.start, item.end):
            counted = plan.get((item.user_id, index)) or frozenset(q for q in member if q in row)
            if not counted:
                continue
            for at, weight in shares(counted, index):
                agents[at, index] += share * per_second * weight
    return AgentTable(list(queues), agents)


def _check_attribution(attribution: str) -> None:
    if attribution not in ATTRIBUTIONS:
        raise WorkforceError(
            f"attribution {attribution!r} is not one of {', '.join(ATTRIBUTIONS)}: share an "
            "agent of several queues by what they still need, or equally, count him in each, "
            "or count only agents exclusive to a queue"
        )


@dataclass(frozen=True)
class WfmRequirement:
    """WFM's required agents per planning group id and interval of the week, and the forecast
    they come from (None: the week has no short-term forecast)."""

    per_group: dict[str, list[float]]
    forecast_id: str | None = None
    forecast_description: str | None = None


@dataclass
class WorkforceInputs:
    """What the org says about one WFM week (read by ``org_inputs.workforce_inputs``)."""

    business_unit: BusinessUnit
    grid: WeekGrid
    queues: dict[str, str]  # queue id -> name
    joined: dict[str, frozenset[str]]  # user id -> joined queue ids
    planning_groups: list[PlanningGroup]
    codes: dict[str, frozenset[str] | None]  # on-queue activity code id -> queue ids
    schedules: list[AgentSchedule]
    statuses: list[StatusTime]
    wfm: WfmRequirement
    notes: list[str] = field(default_factory=list)
    # When the routing status was read (None: when the view is made): the intervals not over
    # by then have no staffed figure.
    read_at: dt.datetime | None = None


@dataclass
class WorkforceView:
    """The week per queue × media × interval (``per_queue``) and per planning group
    (``per_group``): required, scheduled, staffed and WFM required agents; ``notes`` say what
    is missing and why."""

    per_queue: pd.DataFrame
    per_group: pd.DataFrame
    attribution: Attribution
    notes: list[str]
    week_start: dt.date
    business_unit: str

    def agents(self, column: Literal["scheduled", "staffed"]) -> pd.DataFrame:
        """Scheduled or staffed agents per queue and 15-minute interval in the staffed-agents
        table format (``policy.staffed``: ``staffed_agents`` aligns it with a typical week)."""
        once = self.per_queue.drop_duplicates(["queue_id", "index"])
        table: pd.DataFrame = once.assign(agents=once[column])[list(STAFFED_COLUMNS)]
        result: pd.DataFrame = table.reset_index(drop=True)
        return result


def _required_per_interval(plan: pd.DataFrame, column: str, grid: WeekGrid) -> pd.DataFrame:
    """The plan's ``column`` on the week's 15-minute grid (a level: repeated, not divided),
    per queue id and media type."""
    needed = ["queue_id", "media_type", "weekday", "slot_minute", "interval_seconds", column]
    missing = [c for c in needed if c not in plan.columns]
    if missing:
        raise WorkforceError(
            f"the capacity table lacks column(s) {', '.join(missing)}; pass "
            "CapacityPlan.to_frame() or a requirements table"
        )
    labels = grid.labels().assign(index=np.arange(INTERVALS_PER_WEEK))
    frames = []
    for (queue, media), rows in plan.groupby(["queue_id", "media_type"], sort=False):
        values = np.full(INTERVALS_PER_WEEK, np.nan)
        day_minute = labels["weekday"].to_numpy() * 1440 + labels["slot_minute"].to_numpy()
        for weekday, minute, seconds, value in zip(
            rows["weekday"].astype(int),
            rows["slot_minute"].astype(int),
            rows["interval_seconds"].astype(int),
            rows[column].astype(float),
            strict=True,
        ):
            low = weekday * 1440 + minute
            inside = (day_minute >= low) & (day_minute < low + seconds // 60)
            values[inside] = value
        frames.append(
            labels.assign(queue_id=str(queue), media_type=analytics_media_type(str(media))).assign(
                required=values
            )
        )
    if not frames:
        return _frame(columns=["queue_id", "media_type", "index", "required"])
    result: pd.DataFrame = pd.concat(frames, ignore_index=True)[
        ["queue_id", "media_type", "index", "required"]
    ]
    return result


def _group_of(groups: Sequence[PlanningGroup]) -> dict[tuple[str, str], PlanningGroup]:
    """{(queue id, analytics media type): its planning group} (the first by name)."""
    out: dict[tuple[str, str], PlanningGroup] = {}
    for group in sorted(groups, key=lambda g: (g.name or "", g.id or "")):
        for path in group.route_paths or []:
            if path.queue is not None and path.queue.id and path.media_type:
                key = (path.queue.id, analytics_media_type(str(path.media_type)))
                out.setdefault(key, group)
    return out


def workforce_view(
    inputs: WorkforceInputs,
    plan: pd.DataFrame | None = None,
    *,
    required_column: str = "required_agents",
    attribution: Attribution = "need",
) -> WorkforceView:
    """Required, scheduled, staffed and WFM required agents for the week of ``inputs``.

    ``plan``: the capacity plan's frame (or a requirements table: ``queue_id``,
    ``media_type``, ``weekday``, ``slot_minute``, ``interval_seconds`` and
    ``required_column``); None: no required column, and attribution ``need`` is ``split``.
    Rows: every queue × media of the plan, and every queue with scheduled or staffed agents
    (its planning group's media types, or media ``""`` when it is in none).
    """
    _check_attribution(attribution)
    grid = inputs.grid
    queues = sorted(inputs.queues)
    row = {q: i for i, q in enumerate(queues)}
    notes = list(inputs.notes)
    keys: list[tuple[str, str]] = []
    if plan is not None and len(plan):
        required = _required_per_interval(plan, required_column, grid)
        keys = list(dict.fromkeys(zip(required["queue_id"], required["media_type"], strict=True)))
    else:
        required = _frame(columns=["queue_id", "media_type", "index", "required"])
    wanted = np.zeros((len(queues), INTERVALS_PER_WEEK))
    for queue, rows in required.groupby("queue_id", sort=False):
        if queue in row:
            per_index = rows.groupby("index")["required"].sum()
            wanted[row[str(queue)], per_index.index.to_numpy(dtype=int)] = per_index.to_numpy()
    if attribution == "need" and not len(required):
        notes.append("no required agents given: agents shared by queues are split equally")

    def need(table: AgentTable) -> npt.NDArray[np.float64] | None:
        if attribution != "need":
            return None
        gap = wanted - table.agents
        # below a millionth of an agent is rounding, not need (a share must not hang on it)
        cleaned: npt.NDArray[np.float64] = np.where(gap > 1e-6, gap, 0.0)
        return cleaned

    def scheduled_with(how: Attribution, still: npt.NDArray[np.float64] | None) -> Scheduled:
        return scheduled_agents(
            inputs.schedules,
            inputs.codes,
            inputs.joined,
            grid,
            queues=queues,
            attribution=how,
            need=still,
        )

    def staffed_with(how: Attribution, still: npt.NDArray[np.float64] | None) -> AgentTable:
        return staffed_agents(
            inputs.statuses,
            inputs.joined,
            grid,
            queues=queues,
            scheduled_for=scheduled.eligible,
            attribution=how,
            need=still,
        )

    scheduled = scheduled_with("exclusive", None)
    if attribution != "exclusive":
        scheduled = scheduled_with(attribution, need(scheduled.table))
    staffed = staffed_with("exclusive", None)
    if attribution != "exclusive":
        staffed = staffed_with(attribution, need(staffed))
    known = _staffed_known(
        inputs.statuses, grid, inputs.read_at or dt.datetime.now(dt.timezone.utc)
    )
    if not known.any():
        notes.append(
            "no routing status in the week (in the future, or before the org's analytics "
            "data): staffed is unknown"
        )
    elif not known.all():
        notes.append(
            f"routing status only up to interval {int(np.flatnonzero(known)[-1]) + 1} of "
            f"{INTERVALS_PER_WEEK}: staffed is unknown after it"
        )
    labels = grid.labels().assign(index=np.arange(INTERVALS_PER_WEEK))
    groups = _group_of(inputs.planning_groups)
    # Queues some agent's on-queue time counts for (whatever the attribution), in name order.
    reached = set().union(*scheduled.eligible.values()) if scheduled.eligible else set()
    on_queue = set(ON_QUEUE_STATUSES)
    for item in inputs.statuses:
        if item.routing_status in on_queue and item.seconds > 0:
            reached |= inputs.joined.get(item.user_id, frozenset())
    planned = {q for q, _ in keys}
    for queue in sorted(reached & set(row) - planned, key=lambda q: inputs.queues.get(q, q)):
        found = sorted(m for (q, m) in groups if q == queue) or [""]
        keys.extend((queue, m) for m in found)
    frames = []
    for queue, media in keys:
        group = groups.get((queue, media))
        frame = labels.assign(
            queue_id=queue,
            queue_name=inputs.queues.get(queue, queue),
            media_type=media,
            planning_group=group.name if group is not None else "",
            planning_group_id=group.id if group is not None else "",
            interval_seconds=INTERVAL_SECONDS,
        )
        at = row.get(queue)
        frame["scheduled"] = scheduled.table.agents[at] if at is not None else 0.0
        frame["staffed"] = np.where(known, staffed.agents[at] if at is not None else 0.0, np.nan)
        wfm = inputs.wfm.per_group.get(group.id or "") if group is not None else None
        frame["wfm_required"] = _padded(wfm)
        frames.append(frame)
    per_queue = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*VIEW_COLUMNS, "index", "planning_group_id"])
    )
    per_queue = per_queue.merge(required, on=["queue_id", "media_type", "index"], how="left")
    if "required" not in per_queue:
        per_queue["required"] = np.nan
    per_group = _per_group(per_queue, inputs)
    ordered = per_queue[[*VIEW_COLUMNS, "planning_group_id", "index"]]
    unit = inputs.business_unit
    week_start = grid.start.date()
    return WorkforceView(
        per_queue=ordered.sort_values(["queue_name", "media_type", "index"], ignore_index=True),
        per_group=per_group,
        attribution=attribution,
        notes=notes,
        week_start=week_start,
        business_unit=unit.name or unit.id or "",
    )


def _padded(values: Sequence[float] | None) -> npt.NDArray[np.float64]:
    out = np.full(INTERVALS_PER_WEEK, np.nan)
    if values:
        data = np.asarray(values[:INTERVALS_PER_WEEK], dtype=float)
        out[: data.size] = data
    return out


def _staffed_known(
    statuses: Sequence[StatusTime], grid: WeekGrid, now: dt.datetime
) -> npt.NDArray[np.bool_]:
    """Intervals whose routing status is all in: those over by ``now`` (the one under way,
    and later ones, are not) and not after the last local day with any routing status.

    The platform has no row for an agent logged out, so an interval without rows is zero
    agents once it is over; but a day without any row (today before anyone logged in, a day
    past the org's analytics data) is taken to be unknown, not empty.
    """
    known = np.zeros(INTERVALS_PER_WEEK, dtype=bool)
    last = max((grid.wall_seconds(item.end) for item in statuses), default=-1.0)
    if last <= 0:
        return known
    days_end = math.ceil(last / 86_400) * _INTERVALS_PER_DAY
    over = math.floor(grid.wall_seconds(now) / INTERVAL_SECONDS) if now < grid.end else days_end
    known[: max(0, min(days_end, over, INTERVALS_PER_WEEK))] = True
    return known


def _per_group(per_queue: pd.DataFrame, inputs: WorkforceInputs) -> pd.DataFrame:
    """Per planning group and interval: required summed over its route paths, scheduled and
    staffed over its queues (each queue once), and WFM's requirement."""
    frames = []
    labels = inputs.grid.labels().assign(index=np.arange(INTERVALS_PER_WEEK))
    for group in sorted(inputs.planning_groups, key=lambda g: (g.name or "", g.id or "")):
        rows = per_queue[per_queue["planning_group_id"] == (group.id or "")]
        frame = labels.assign(
            planning_group_id=group.id or "",
            planning_group=group.name or "",
            interval_seconds=INTERVAL_SECONDS,
        )
        if len(rows):
            by_index = rows.groupby("index")
            frame["required"] = by_index["required"].sum(min_count=1).reindex(frame["index"]).values
            once = rows.drop_duplicates(["queue_id", "index"]).groupby("index")
            frame["scheduled"] = once["scheduled"].sum().reindex(frame["index"]).values
            frame["staffed"] = once["staffed"].sum(min_count=1).reindex(frame["index"]).values
        else:
            frame["required"] = np.nan
            frame["scheduled"] = 0.0
            frame["staffed"] = np.nan
        frame["wfm_required"] = _padded(inputs.wfm.per_group.get(group.id or ""))
        frames.append(frame)
    if not frames:
        return _frame(columns=[*GROUP_COLUMNS, "index"])
    result: pd.DataFrame = pd.concat(frames, ignore_index=True)[[*GROUP_COLUMNS, "index"]]
    return result


def week_start_instant(unit: BusinessUnit, week_start: dt.date) -> dt.datetime:
    """Local midnight of ``week_start`` in the business unit's time zone (UTC without one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (unit.settings.time_zone if unit.settings else None) or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkforceError(
            f"business unit {unit.name!r} has time zone {name!r}, which is not an IANA name"
        ) from None
    return dt.datetime.combine(week_start, dt.time(0), tzinfo=zone)


def parse_week(text: str) -> dt.date:
    """A ``--week`` value: YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise WorkforceError(
            f"week {text!r} is not a date: give the first day of a WFM week as YYYY-MM-DD"
        ) from None


def last_complete_week(unit: BusinessUnit, before: dt.date) -> dt.date:
    """The first day of the latest business-unit week that ends on or before ``before``."""
    first = DAYS_OF_WEEK.index(
        str((unit.settings.start_day_of_week if unit.settings else None) or "Monday")
    )
    start = before - dt.timedelta(days=(before.weekday() - first) % 7)
    return start - dt.timedelta(days=7)
