"""User aggregates: the time each agent spent in each routing status, from the WFM roster.

The sandbox's agents log in for their shift of the roster (:mod:`.wfm_roster`) on every day of
its history, and keep to it exactly: on queue in the slots the roster gives them a queue,
``OFF_QUEUE`` in the gaps of their shift, logged out otherwise (no time at all). On queue, a
slot's time is ``INTERACTING`` for the queue's true occupancy (its load per seat over the
agents staffed), ``NOT_RESPONDING`` for 1 % of the rest (an alert now and then left to ring)
and ``IDLE`` for the remainder; nobody is ``COMMUNICATING`` (the history has no non-ACD work).
So the on-queue time of an agent in a slot is the slot's whole length, and the agents on each
queue per slot are the staffing the history was simulated with (where the teams allow: see
:mod:`.wfm_roster`). Days outside the history have no routing status.

The query is the SDK's ``UserAggregationQuery``; what the sandbox answers of it:

- ``interval`` as for conversation aggregates (15-minute boundaries, at most 31 days);
  ``granularity`` PT15M, PT30M, PT1H or P1D; ``timeZone`` for P1D buckets;
- ``groupBy`` ``userId`` (or nothing: every agent together); filter predicates on ``userId``
  (the one dimension the SDK's ``UserAggregateQueryPredicate`` allows);
- metric ``tAgentRoutingStatus`` only; no ``views``.

Answers have the shape of ``UserAggregateQueryResponse``: per group, per bucket with time, one
``AggregateMetricData`` per routing status, the status as its ``qualifier``, ``stats.sum`` in
milliseconds and ``stats.count`` the 15-minute slots it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from ..vocabulary.analytics import GRANULARITY_SECONDS, AggregateQuery, Filter, QueryError
from .analytics_buckets import bucket_edges, epoch_ms, iso_ms
from .analytics_query import check_interval, parse_filter, time_zone
from .errors import bad_request
from .org import SLOTS_PER_DAY, OrgSpec
from .wfm_roster import Roster
from .wfm_schedules import slot_start

USER_DIMENSIONS = ("userId",)
USER_METRICS = ("tAgentRoutingStatus", "tOrganizationPresence", "tSystemPresence")
SUPPORTED_USER_METRICS = ("tAgentRoutingStatus",)
# The SDK's RoutingStatus enum, in its order.
ROUTING_STATUSES = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
NOT_RESPONDING_SHARE = 0.01  # of an on-queue agent's idle time
_OFF, _IDLE, _INTERACTING, _NOT_RESPONDING = 0, 1, 2, 3


@dataclass(frozen=True)
class UserQuery:
    """A validated user aggregate query; instants are epoch milliseconds."""

    start_ms: int
    end_ms: int
    granularity: str | None
    time_zone: ZoneInfo
    group_by: tuple[str, ...]
    filter: Filter | None


def parse_user_query(body: Any) -> UserQuery:
    """Validate a ``UserAggregationQuery`` body; every refusal is a 400 naming the field."""
    try:
        wire = AggregateQuery.from_json(body, dimensions=USER_DIMENSIONS)
    except QueryError as error:
        raise bad_request(str(error), error.field) from None
    start_ms, end_ms = check_interval(wire.interval)
    if wire.granularity is not None and wire.granularity not in GRANULARITY_SECONDS:
        raise bad_request(
            f"granularity {wire.granularity!r} is not supported by the sandbox; supported: "
            + ", ".join(GRANULARITY_SECONDS),
            "granularity",
        )
    for metric in wire.metrics:
        if metric not in SUPPORTED_USER_METRICS:
            known = "known but not served by the sandbox" if metric in USER_METRICS else "unknown"
            raise bad_request(
                f"metric {metric!r} is {known}; supported: " + ", ".join(SUPPORTED_USER_METRICS),
                "metrics",
            )
    if wire.views:
        raise bad_request("views are not supported by the sandbox for user aggregates", "views")
    parse_filter(body.get("filter"), USER_DIMENSIONS)  # the predicate limit
    return UserQuery(
        start_ms=start_ms,
        end_ms=end_ms,
        granularity=wire.granularity,
        time_zone=time_zone(wire.time_zone),
        group_by=wire.group_by,
        filter=wire.filter,
    )


@dataclass(frozen=True)
class _StatusTime:
    """Parallel arrays: agent index, slot start (epoch ms), status index, milliseconds."""

    agent: npt.NDArray[np.int64]
    start_ms: npt.NDArray[np.int64]
    status: npt.NDArray[np.int64]
    ms: npt.NDArray[np.int64]


def _day(
    roster: Roster, occupancy: npt.NDArray[np.float64], day: dt.date, zone: ZoneInfo
) -> _StatusTime:
    """Every agent's routing status time per slot of one local day."""
    edges = np.array([epoch_ms(slot_start(day, s, zone)) for s in range(SLOTS_PER_DAY + 1)])
    length = np.maximum(np.diff(edges), 0)  # ms in each slot (a DST day's wall clock)
    weekday = day.weekday()
    rows = roster.slots[weekday].astype(np.int64)  # (agents, slots)
    on = rows >= 0
    seen = np.cumsum(on, axis=1)
    gap = (seen > 0) & (seen < seen[:, -1:]) & ~on
    slots = np.arange(SLOTS_PER_DAY)
    busy = np.where(on, occupancy[np.maximum(rows, 0), weekday, slots[None, :]], 0.0)
    interacting = np.rint(length * busy).astype(np.int64)
    not_responding = np.rint((length - interacting) * NOT_RESPONDING_SHARE).astype(np.int64)
    idle = length - interacting - not_responding
    parts = []
    for status, values, mask in (
        (_OFF, np.broadcast_to(length, rows.shape), gap),
        (_IDLE, idle, on),
        (_INTERACTING, interacting, on),
        (_NOT_RESPONDING, not_responding, on),
    ):
        agent, slot = np.nonzero(mask & (values > 0))
        parts.append(
            (agent, edges[slot], np.full(agent.size, status), np.asarray(values)[agent, slot])
        )
    return _StatusTime(*(np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(4)))


def routing_status_answer(
    org: OrgSpec,
    roster: Roster,
    occupancy: npt.NDArray[np.float64],
    history: tuple[dt.date, dt.date],
    query: UserQuery,
) -> dict[str, Any]:
    """``UserAggregateQueryResponse`` for ``query`` over the history days [first, end)."""
    zone = ZoneInfo(org.time_zone)
    agents = [
        i
        for i, user in enumerate(roster.agents)
        if query.filter is None or query.filter.test({"userId": user})
    ]
    wanted = np.zeros(len(roster.agents), dtype=bool)
    wanted[agents] = True
    utc = dt.timezone.utc
    first = dt.datetime.fromtimestamp(query.start_ms / 1000, utc).astimezone(zone).date()
    last = dt.datetime.fromtimestamp(query.end_ms / 1000, utc).astimezone(zone).date()
    days = [
        first - dt.timedelta(days=1) + dt.timedelta(days=n) for n in range((last - first).days + 2)
    ]
    parts = [_day(roster, occupancy, d, zone) for d in days if history[0] <= d < history[1]]
    if not parts or not agents:
        return {"results": []}
    agent = np.concatenate([p.agent for p in parts])
    start = np.concatenate([p.start_ms for p in parts])
    status = np.concatenate([p.status for p in parts])
    ms = np.concatenate([p.ms for p in parts])
    keep = wanted[agent] & (start >= query.start_ms) & (start < query.end_ms)
    agent, start, status, ms = agent[keep], start[keep], status[keep], ms[keep]
    edges = bucket_edges(query.start_ms, query.end_ms, query.granularity, query.time_zone)
    bucket = np.searchsorted(edges, start, side="right") - 1
    grouped = "userId" in query.group_by
    group = agent if grouped else np.zeros_like(agent)
    n_buckets, n_status = len(edges) - 1, len(ROUTING_STATUSES)
    key = (group * n_buckets + bucket) * n_status + status
    keys, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=ms.astype(np.float64)).astype(np.int64)
    counts = np.bincount(inverse)
    results: dict[int, dict[int, list[dict[str, Any]]]] = {}
    for k, total, count in zip(keys.tolist(), sums.tolist(), counts.tolist(), strict=True):
        rest, s = divmod(k, n_status)
        g, b = divmod(rest, n_buckets)
        results.setdefault(g, {}).setdefault(b, []).append(
            {
                "metric": "tAgentRoutingStatus",
                "qualifier": ROUTING_STATUSES[s],
                "stats": {"sum": total, "count": count},
            }
        )
    order = sorted(results, key=lambda g: roster.agents[g]) if grouped else sorted(results)
    return {
        "results": [
            {
                "group": {"userId": roster.agents[g]} if grouped else {},
                "data": [
                    {
                        "interval": f"{iso_ms(int(edges[b]))}/{iso_ms(int(edges[b + 1]))}",
                        "metrics": results[g][b],
                    }
                    for b in sorted(results[g])
                ],
            }
            for g in order
        ]
    }
