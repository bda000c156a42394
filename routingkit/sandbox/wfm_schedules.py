"""The sandbox's published agent schedules, read from its roster (:mod:`.wfm_roster`).

Each agent's day of the roster is one shift from the first to the last slot he works, its
activities the runs of one activity code: the on-queue code of the queue he works
(``On Queue - <planning group>``, or ``On Queue`` for a queue in no planning group), and in the
gaps a ``Break`` (15 minutes), a ``Meal`` (30) or ``Off Queue Work`` (longer). Slots are local
15-minute slots of the business unit's time zone, placed on the calendar as the history places
them (local midnight plus 15 minutes per slot).

Schedules are published for every business-unit week from the one holding the history's first
day to :data:`WEEKS_AHEAD` weeks after the sandbox's today; other days have none. Shapes are the
SDK's ``BuAgentSchedulesSearchResponse``, ``BuAgentScheduleSearchResponse``,
``BuAgentScheduleShift`` and ``BuAgentScheduleActivity``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ..genesys.wfm import DAYS_OF_WEEK
from .org import SLOTS_PER_DAY, OrgSpec, stable_id
from .web import iso
from .wfm_roster import BREAK, CODES, MEAL, OFF_QUEUE_WORK, Roster, code_id, queue_code

WEEKS_AHEAD = 6
_CODES = {spec.key: spec for spec in CODES}


def week_of(day: dt.date, start_day: str) -> dt.date:
    """The first day of the business-unit week holding ``day``."""
    first = DAYS_OF_WEEK.index(start_day)
    return day - dt.timedelta(days=(day.weekday() - first) % 7)


def slot_start(day: dt.date, slot: int, zone: ZoneInfo) -> dt.datetime:
    """The instant local slot ``slot`` of ``day`` starts (as the history places it)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(minutes=15 * slot)


def published_weeks(first_day: dt.date, today: dt.date, start_day: str) -> tuple[dt.date, dt.date]:
    """[first, end) of the weeks with a published schedule."""
    return week_of(first_day, start_day), week_of(today, start_day) + dt.timedelta(
        weeks=WEEKS_AHEAD + 1
    )


def _gap_code(slots: int) -> str:
    return BREAK if slots == 1 else MEAL if slots == 2 else OFF_QUEUE_WORK


def day_activities(roster: Roster, agent: int, weekday: int) -> list[tuple[int, int, str]]:
    """(first slot, slots, activity code key) of an agent's shift on a weekday, in order."""
    row = roster.slots[weekday, agent]
    working = np.flatnonzero(row >= 0)
    if not working.size:
        return []
    keys = [
        queue_code(roster.queues[int(q)]) if q >= 0 else ""
        for q in row[int(working[0]) : int(working[-1]) + 1]
    ]
    runs: list[tuple[int, int, str]] = []
    first = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[first]:
            length = i - first
            runs.append((int(working[0]) + first, length, keys[first] or _gap_code(length)))
            first = i
    return runs


def agent_schedules(
    org: OrgSpec,
    roster: Roster,
    *,
    bu_id: str,
    start: dt.datetime,
    end: dt.datetime,
    user_ids: Iterable[str] | None,
    zone: ZoneInfo,
    start_day: str,
    weeks: tuple[dt.date, dt.date],
) -> dict[str, Any]:
    """``BuAgentSchedulesSearchResponse``: the shifts of ``user_ids`` (None: every agent of the
    roster) that overlap [start, end)."""
    index = {agent: i for i, agent in enumerate(roster.agents)}
    wanted = list(roster.agents) if user_ids is None else [u for u in user_ids if u in index]
    first_day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last_day = end.astimezone(zone).date()
    days = [
        first_day + dt.timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if weeks[0] <= first_day + dt.timedelta(days=n) < weeks[1]
    ]
    schedules = []
    published: dict[dt.date, dict[str, Any]] = {}
    for user in dict.fromkeys(wanted):
        shifts = []
        for day in days:
            runs = day_activities(roster, index[user], day.weekday())
            if not runs:
                continue
            shift_start = slot_start(day, runs[0][0], zone)
            shift_end = slot_start(day, runs[-1][0] + runs[-1][1], zone)
            if shift_end <= start or shift_start >= end:
                continue
            week = week_of(day, start_day)
            schedule_id = stable_id(org.seed, "wfm", "schedule", week.isoformat())
            reference = {
                "id": schedule_id,
                "weekDate": week.isoformat(),
                "selfUri": f"{_weeks(bu_id)}/{week.isoformat()}/schedules/{schedule_id}",
            }
            published.setdefault(week, {**reference, "weekCount": 1})
            shifts.append(
                {
                    "id": stable_id(org.seed, "wfm", "shift", user, day.isoformat()),
                    "startDate": iso(shift_start),
                    "lengthMinutes": _minutes(shift_start, shift_end),
                    "activities": [_activity(org, day, run, zone) for run in runs],
                    "manuallyEdited": False,
                    "schedule": reference,
                }
            )
        if shifts:
            schedules.append(
                {
                    "user": {"id": user, "selfUri": f"/api/v2/users/{user}"},
                    "shifts": shifts,
                    "fullDayTimeOffMarkers": [],
                }
            )
    return {
        "agentSchedules": schedules,
        "businessUnitTimeZone": zone.key,
        "publishedSchedules": [published[w] for w in sorted(published)],
    }


def _weeks(bu_id: str) -> str:
    return f"/api/v2/workforcemanagement/businessunits/{bu_id}/weeks"


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _activity(org: OrgSpec, day: dt.date, run: tuple[int, int, str], zone: ZoneInfo) -> Any:
    first, slots, key = run
    begins = slot_start(day, first, zone)
    minutes = _minutes(begins, slot_start(day, first + slots, zone))
    spec = _CODES[key]
    return {
        "startDate": iso(begins),
        "lengthMinutes": minutes,
        "description": spec.name,
        "activityCodeId": code_id(org, key),
        "paid": spec.paid,
        "payableMinutes": minutes if spec.paid else 0,
    }


__all__ = ["SLOTS_PER_DAY", "agent_schedules", "day_activities", "published_weeks", "slot_start"]
