"""What the sandbox answers of an analytics query, parsed into a query it can compute.

The wire shape is the shared model (:mod:`routingkit.vocabulary.analytics`); here are the
sandbox's limits on top of it. Where the real platform offers more than the sandbox can answer
faithfully, it refuses with a 400 that names the field and says what it supports instead:

- ``interval`` must start and end on a 15-minute boundary (UTC epoch multiple of 15 minutes),
  because history is stored per 15-minute interval; it may span at most ``MAX_INTERVAL_DAYS``.
- ``granularity``: PT15M, PT30M, PT1H or P1D.
- ``groupBy`` and filter dimensions: queueId, mediaType, direction (always ``inbound``).
  Filter operators: matches, exists, notExists. Only ``groupBy`` queries (no topN/bottomN).
- metrics: ``SUPPORTED_METRICS``; views: rangeBound on tHandle or tWait.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..vocabulary.analytics import (
    GRANULARITY_SECONDS,
    AggregateQuery,
    Filter,
    QueryError,
    View,
    parse_interval,
    parse_metrics,
)
from .analytics_buckets import STORED_INTERVAL_MS, epoch_ms
from .errors import ApiError, bad_request
from .web import in_supported_range

# Longest interval one aggregate query may span (days); longer ranges must be split.
MAX_INTERVAL_DAYS = 31
# Most views one aggregate query may ask for (each costs a pass over the conversations).
MAX_VIEWS = 10
# Most predicates (counting those inside clauses) one filter may hold.
MAX_PREDICATES = 100

DIMENSIONS = ("queueId", "mediaType", "direction")
COUNT_METRICS = ("nOffered", "nOverSla", "nTransferred")
TIMER_METRICS = (
    "tAnswered", "tAbandon", "tHandle", "tTalk", "tHeld", "tAcw", "tWait", "tAcd", "tAlert",
)  # fmt: skip
SUPPORTED_METRICS = (*COUNT_METRICS, *TIMER_METRICS, "oServiceLevel")
VIEW_TARGETS = ("tHandle", "tWait")
OBSERVATION_METRICS = (
    "oOnQueueUsers", "oActiveUsers", "oMemberUsers", "oOffQueueUsers", "oWaiting",
    "oInteracting", "oAlerting",
)  # fmt: skip
OBSERVATION_DIMENSIONS = ("queueId", "mediaType")


@dataclass(frozen=True)
class ConversationQuery:
    """A validated aggregate query the sandbox can answer; instants are epoch milliseconds."""

    start_ms: int
    end_ms: int
    granularity: str | None
    time_zone: ZoneInfo
    group_by: tuple[str, ...]
    filter: Filter | None
    metrics: tuple[str, ...]
    views: tuple[View, ...] = ()


@dataclass(frozen=True)
class ObservationQuery:
    """A validated queue observation query: metrics, and a filter naming at least one queue."""

    metrics: tuple[str, ...]
    filter: Filter


def _refusal(error: QueryError) -> ApiError:
    return bad_request(str(error), error.field)


def check_interval(raw: str) -> tuple[int, int]:
    """``"start/end"`` -> (start ms, end ms), checked for order, 15-minute alignment and length."""
    start, end = parse_interval(raw)
    in_supported_range(start, end, "interval")
    if end <= start:
        raise bad_request(f"interval {raw!r} must end after it starts", "interval")
    if epoch_ms(start) % STORED_INTERVAL_MS or epoch_ms(end) % STORED_INTERVAL_MS:
        raise bad_request(
            f"interval {raw!r}: the sandbox's interval must start and end on a 15-minute "
            "boundary (e.g. 10:00, 10:15), because its history is stored per 15 minutes",
            "interval",
        )
    days = (end - start) / dt.timedelta(days=1)
    if days > MAX_INTERVAL_DAYS:
        shown = f"{days:.1f}" if abs(days * 10 - round(days * 10)) < 1e-9 else f"{days:.2f}"
        raise bad_request(
            f"interval spans {shown} days; the maximum for aggregate queries is "
            f"{MAX_INTERVAL_DAYS} days: split the range",
            "interval",
        )
    return epoch_ms(start), epoch_ms(end)


def time_zone(raw: str | None) -> ZoneInfo:
    if raw is None:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            f"timeZone {raw!r} is not an IANA time zone name (e.g. 'America/Chicago', 'UTC')",
            "timeZone",
        ) from None


def _check_predicate_count(query_filter: Filter) -> None:
    count = len(query_filter.all_predicates())
    if count > MAX_PREDICATES:
        raise bad_request(
            f"filter has {count} predicates; the maximum is {MAX_PREDICATES}", "filter"
        )


def parse_filter(raw: Any, dimensions: Sequence[str]) -> Filter | None:
    """A filter over ``dimensions`` within the predicate limit, or None when absent."""
    if raw is None:
        return None
    try:
        query_filter = Filter.from_json(raw, dimensions)
    except QueryError as error:
        raise _refusal(error) from None
    _check_predicate_count(query_filter)
    return query_filter


def queue_candidates(clause: Filter) -> frozenset[str] | None:
    """Queue ids outside which the filter cannot match, or None if it can match any queue.

    Lets the sandbox read only the named queues' rows instead of filtering the whole range.
    """
    sets: list[frozenset[str] | None] = []
    for p in clause.predicates:
        if p.dimension != "queueId" or p.operator == "exists":
            sets.append(None)
        elif p.operator == "notExists":
            sets.append(frozenset())  # every stored row has a queue
        else:
            sets.append(frozenset([p.value or ""]))
    sets.extend(queue_candidates(c) for c in clause.clauses)
    if clause.type == "and":
        known = [s for s in sets if s is not None]
        return frozenset.intersection(*known) if known else None
    if any(s is None for s in sets):
        return None
    return frozenset().union(*(s for s in sets if s is not None))


def parse_aggregate_query(body: Any) -> ConversationQuery:
    """Validate a ConversationAggregationQuery body; every refusal is a 400 naming the field."""
    try:
        wire = AggregateQuery.from_json(body, dimensions=DIMENSIONS, max_views=MAX_VIEWS)
    except QueryError as error:
        raise _refusal(error) from None
    start_ms, end_ms = check_interval(wire.interval)
    if wire.granularity is not None and wire.granularity not in GRANULARITY_SECONDS:
        raise bad_request(
            f"granularity {wire.granularity!r} is not supported by the sandbox; supported: "
            + ", ".join(GRANULARITY_SECONDS),
            "granularity",
        )
    for metric in wire.metrics:
        if metric not in SUPPORTED_METRICS:
            raise bad_request(
                f"metric {metric!r} is unknown or not supported by the sandbox; supported: "
                + ", ".join(SUPPORTED_METRICS),
                "metrics",
            )
    zone = time_zone(wire.time_zone)
    if wire.filter is not None:
        _check_predicate_count(wire.filter)
    for i, view in enumerate(wire.views):
        if view.target not in VIEW_TARGETS:
            raise bad_request(
                f"views[{i}].target {view.target!r} is not supported by the sandbox; supported: "
                + ", ".join(VIEW_TARGETS),
                f"views[{i}].target",
            )
    return ConversationQuery(
        start_ms=start_ms,
        end_ms=end_ms,
        granularity=wire.granularity,
        time_zone=zone,
        group_by=wire.group_by,
        filter=wire.filter,
        metrics=wire.metrics,
        views=wire.views,
    )


def parse_observation_query(body: Any) -> ObservationQuery:
    """Validate a QueueObservationQuery body: supported metrics and at least one queue."""
    if not isinstance(body, dict):
        raise bad_request("The query must be a JSON object (the request body)", "body")
    try:
        metrics = parse_metrics(body.get("metrics"))
    except QueryError as error:
        raise _refusal(error) from None
    for metric in metrics:
        if metric not in OBSERVATION_METRICS:
            raise bad_request(
                f"metric {metric!r} is unknown or not supported by the sandbox; supported: "
                + ", ".join(OBSERVATION_METRICS),
                "metrics",
            )
    query_filter = parse_filter(body.get("filter"), OBSERVATION_DIMENSIONS)
    if query_filter is None or not any(
        p.dimension == "queueId" and p.operator == "matches" for p in query_filter.all_predicates()
    ):
        raise bad_request(
            "filter must name at least one queue: "
            "{'type': 'or', 'predicates': [{'dimension': 'queueId', 'value': '<queue id>'}]}",
            "filter",
        )
    return ObservationQuery(metrics, query_filter)
