"""Org-wide settings and records: utilization, analytics, audits, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .models import Utilization

if TYPE_CHECKING:
    from .client import GenesysClient


class UtilizationApi:
    """Per-agent concurrency. A PUT resets every media type it omits to the platform default,
    so ``update`` reads first and writes the whole object back."""

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def org(self) -> Utilization:
        return Utilization.model_validate(self._client.get("/api/v2/routing/utilization"))

    def user(self, user_id: str) -> Utilization:
        return Utilization.model_validate(
            self._client.get(f"/api/v2/routing/users/{user_id}/utilization")
        )

    def put_org(self, utilization: Utilization) -> Utilization:
        body = utilization.to_api()
        body.pop("level", None)
        return Utilization.model_validate(
            self._client.request("PUT", "/api/v2/routing/utilization", json=body)
        )

    def put_user(self, user_id: str, utilization: Utilization) -> Utilization:
        body = utilization.to_api()
        body.pop("level", None)
        return Utilization.model_validate(
            self._client.request("PUT", f"/api/v2/routing/users/{user_id}/utilization", json=body)
        )

    def reset_user(self, user_id: str) -> None:
        """Back to the org's settings."""
        self._client.request("DELETE", f"/api/v2/routing/users/{user_id}/utilization")


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

    def observations(self, query: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._client.request(
            "POST", "/api/v2/analytics/queues/observations/query", json=dict(query), idempotent=True
        )
        return answer or {}

    def limits(self, namespace: str = "analytics") -> dict[str, int]:
        """The org's limits in a namespace, as {key: value}."""
        answer = self._client.get(f"/api/v2/organizations/limits/namespaces/{namespace}")
        return {e["key"]: int(e["value"]) for e in (answer or {}).get("entities") or []}


class AuditsApi:
    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def realtime(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        service: str = "Routing",
        filters: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Audit entries of the last 14 days; ``filters`` maps EntityType/EntityId/Action/UserId."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware datetimes")
        body: dict[str, Any] = {
            "interval": f"{start.isoformat()}/{end.isoformat()}",
            "serviceName": service,
            "filters": [{"property": k, "value": v} for k, v in (filters or {}).items()],
            "pageSize": 500,
        }
        entries: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self._client.request(
                "POST",
                "/api/v2/audits/query/realtime",
                json={**body, "pageNumber": page},
                idempotent=True,
            )
            entries += answer.get("entities") or []
            if page >= int(answer.get("pageCount") or 1):
                return entries
            page += 1
