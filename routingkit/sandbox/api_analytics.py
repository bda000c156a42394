"""Analytics endpoints: conversation aggregates, queue observations and the analytics limits.

The HTTP layer only: the query model is :mod:`.analytics_query` (on the shared wire model of
:mod:`routingkit.vocabulary.analytics`), bucketing :mod:`.analytics_buckets`, the stored
history :mod:`.analytics_table`, the metrics :mod:`.analytics_metrics` and the observations
:mod:`.analytics_observations`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .analytics_buckets import STORED_INTERVAL_MS, epoch_ms
from .analytics_metrics import aggregate_json
from .analytics_observations import observe_queue
from .analytics_query import (
    DIMENSIONS,
    MAX_INTERVAL_DAYS,
    MAX_PREDICATES,
    MAX_VIEWS,
    OBSERVATION_METRICS,
    parse_aggregate_query,
    parse_filter,
    parse_observation_query,
)
from .analytics_table import IntervalTableCache
from .errors import ApiError
from .store import Store
from .web import json_body, ok, sandbox

__all__ = [
    "DIMENSIONS",
    "MAX_INTERVAL_DAYS",
    "MAX_PREDICATES",
    "MAX_VIEWS",
    "OBSERVATION_METRICS",
    "parse_filter",
    "routes",
    "utc_now",
    "warm",
]


def warm(tables: IntervalTableCache, store: Store) -> None:
    """Load the interval table now, so the first query does not pay for it."""
    tables.table(store)


async def post_conversation_aggregates(request: Request) -> Response:
    query = parse_aggregate_query(await json_body(request))
    sb = sandbox(request)
    text = aggregate_json(sb.store, sb.analytics.table(sb.store), query)
    return Response(text, media_type="application/json")


def utc_now() -> dt.datetime:
    """The current instant (a function so tests can pin the clock)."""
    return dt.datetime.now(dt.timezone.utc)


async def post_queue_observations(request: Request) -> Response:
    query = parse_observation_query(await json_body(request))
    sb = sandbox(request)
    truth = {q["queue_id"]: q for q in sb.ground_truth().get("queues", [])}
    db = sb.store.read()
    counts = {
        row[0]: (int(row[1]), int(row[2] or 0))
        for row in db.execute(
            "SELECT queue_id, COUNT(*), SUM(joined) FROM queue_members GROUP BY queue_id"
        )
    }
    now = utc_now()
    local = now.astimezone(ZoneInfo(sb.org.time_zone))
    slot_ms = epoch_ms(now) // STORED_INTERVAL_MS * STORED_INTERVAL_MS
    results: list[dict[str, Any]] = []
    for queue_id in sorted(sb.store.ids("queue")):
        spec = truth.get(queue_id)
        # A queue created after seeding has no traffic model; voice is the platform's default.
        media_type = spec["media_type"] if spec is not None else "voice"
        if not query.filter.test({"queueId": queue_id, "mediaType": media_type}):
            continue
        members, joined = counts.get(queue_id, (0, 0))
        values = observe_queue(
            spec,
            members,
            joined,
            seed=sb.org.seed,
            queue_id=queue_id,
            local=local,
            slot_ms=slot_ms,
        )
        results.append(
            {
                "group": {"queueId": queue_id, "mediaType": media_type},
                "data": [{"metric": m, "stats": {"count": values[m]}} for m in query.metrics],
            }
        )
    return ok({"results": results})


# --- limits -----------------------------------------------------------------------------------

ANALYTICS_LIMITS = {
    "analytics.aggregates.query.max.interval.days": MAX_INTERVAL_DAYS,
    "analytics.aggregates.query.max.views": MAX_VIEWS,
    "analytics.query.max.filter.predicates": MAX_PREDICATES,
}


async def get_limits_namespace(request: Request) -> Response:
    namespace = request.path_params["namespaceName"]
    if namespace != "analytics":
        raise ApiError(
            404, f"The sandbox publishes no limits for namespace {namespace!r}", "not.found"
        )
    return ok(
        {
            "entities": [
                {"key": key, "namespace": namespace, "value": value}
                for key, value in ANALYTICS_LIMITS.items()
            ]
        }
    )


routes: list[Route] = [
    Route(
        "/api/v2/analytics/conversations/aggregates/query",
        post_conversation_aggregates,
        methods=["POST"],
    ),
    Route("/api/v2/analytics/queues/observations/query", post_queue_observations, methods=["POST"]),
    Route(
        "/api/v2/organizations/limits/namespaces/{namespaceName}",
        get_limits_namespace,
        methods=["GET"],
    ),
]
