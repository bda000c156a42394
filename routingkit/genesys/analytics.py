"""Conversation and user aggregates, queue observations and the org's analytics limits.

User aggregates (``POST /api/v2/analytics/users/aggregates/query``, the SDK's
``UserAggregationQuery`` and ``UserAggregateQueryResponse``) give the time each agent spent in
each routing status. What routingkit relies on, from the SDK's models:

- the metrics are ``tAgentRoutingStatus``, ``tOrganizationPresence`` and ``tSystemPresence``
  (the targets ``UserAggregationView`` allows); filters name ``userId`` (the one dimension
  ``UserAggregateQueryPredicate`` allows), so the query groups by ``userId``;
- the routing status of a value is its ``qualifier`` (``AggregateMetricData.qualifier``), one of
  ``RoutingStatus``' ``OFF_QUEUE``, ``IDLE``, ``INTERACTING``, ``NOT_RESPONDING``,
  ``COMMUNICATING``; a result that carries it as a group value ``routingStatus`` instead is
  read too;
- ``stats.sum`` is milliseconds in the status within the bucket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..vocabulary.analytics import Filter, Predicate, interval_text, parse_interval

if TYPE_CHECKING:
    from .client import GenesysClient

USER_AGGREGATES = "/api/v2/analytics/users/aggregates/query"
ROUTING_STATUS_METRIC = "tAgentRoutingStatus"
# The SDK's RoutingStatus enum, in its order.
ROUTING_STATUSES = ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")


@dataclass(frozen=True)
class StatusTime:
    """Seconds one agent spent in one routing status within one bucket [start, end)."""

    user_id: str
    start: dt.datetime
    end: dt.datetime
    routing_status: str
    seconds: float


class AnalyticsApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def aggregates(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """POST /api/v2/analytics/conversations/aggregates/query (a read: safe to retry)."""
        answer = self._client.request(
            "POST",
            "/api/v2/analytics/conversations/aggregates/query",
            json=dict(query),
            idempotent=True,
        )
        return answer or {}

    def user_aggregates(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """POST /api/v2/analytics/users/aggregates/query (a read: safe to retry)."""
        answer = self._client.request("POST", USER_AGGREGATES, json=dict(query), idempotent=True)
        return answer or {}

    def routing_status_time(
        self,
        user_ids: Iterable[str],
        start: dt.datetime,
        end: dt.datetime,
        *,
        granularity: str = "PT15M",
        time_zone: str | None = None,
        batch_size: int = 100,
        chunk_days: int = 7,
    ) -> list[StatusTime]:
        """Time in each routing status per agent and ``granularity`` bucket of [start, end).

        ``batch_size`` agents per query (one ``userId`` predicate each), ``chunk_days`` per
        query (keep buckets whole: a multiple of the granularity). An agent with no time in a
        bucket has no row there.
        """
        for name, moment in (("start", start), ("end", end)):
            if moment.tzinfo is None:
                raise ValueError(f"{name} {moment} has no time zone; give an aware datetime")
        if end <= start:
            raise ValueError(f"the interval must end after it starts ({start} to {end})")
        if batch_size < 1 or chunk_days < 1:
            raise ValueError("batch_size and chunk_days must be at least 1")
        ids = list(dict.fromkeys(str(u) for u in user_ids))
        rows: list[StatusTime] = []
        for first in range(0, len(ids), batch_size):
            batch = ids[first : first + batch_size]
            where = Filter("or", tuple(Predicate("userId", "matches", u) for u in batch))
            low = start
            while low < end:
                high = min(end, low + dt.timedelta(days=chunk_days))
                query: dict[str, Any] = {
                    "interval": interval_text(low, high),
                    "granularity": granularity,
                    "groupBy": ["userId"],
                    "filter": where.to_json(),
                    "metrics": [ROUTING_STATUS_METRIC],
                }
                if time_zone:
                    query["timeZone"] = time_zone
                rows.extend(_status_rows(self.user_aggregates(query)))
                low = high
        return rows

    def observations(self, query: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._client.request(
            "POST", "/api/v2/analytics/queues/observations/query", json=dict(query), idempotent=True
        )
        return answer or {}

    def limits(self, namespace: str = "analytics") -> dict[str, int]:
        """The org's limits in a namespace, as {key: value}."""
        answer = self._client.get(f"/api/v2/organizations/limits/namespaces/{namespace}")
        return {e["key"]: int(e["value"]) for e in (answer or {}).get("entities") or []}


def _status_rows(answer: Mapping[str, Any]) -> list[StatusTime]:
    """``UserAggregateQueryResponse`` → one row per agent, bucket and routing status."""
    rows: list[StatusTime] = []
    for result in answer.get("results") or []:
        group = result.get("group") or {}
        user = group.get("userId")
        if not user:
            continue
        for data in result.get("data") or []:
            start, end = parse_interval(str(data.get("interval") or ""))
            for metric in data.get("metrics") or []:
                if metric.get("metric") != ROUTING_STATUS_METRIC:
                    continue
                status = metric.get("qualifier") or group.get("routingStatus")
                total = (metric.get("stats") or {}).get("sum")
                if not status or total is None:
                    continue
                rows.append(StatusTime(str(user), start, end, str(status), float(total) / 1000.0))
    return rows
