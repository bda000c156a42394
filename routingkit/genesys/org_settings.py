"""Org-wide settings and records: the organization, utilization, analytics, audits, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .models import Organization, Utilization

if TYPE_CHECKING:
    from .client import GenesysClient


class OrganizationApi:
    """The org the client is connected to."""

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def me(self) -> Organization:
        """GET /api/v2/organizations/me: the caller's org (id, name, state, platform...)."""
        return Organization.model_validate(self._client.get("/api/v2/organizations/me"))


class UtilizationApi:
    """Per-agent concurrency. A PUT resets every media type it omits to the platform default,
    so change settings with ``update_org`` / ``update_user``: they read the whole object,
    apply the change and write it all back. ``put_*`` send exactly what they are given."""

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

    def update_org(self, change: Callable[[Utilization], Any]) -> Utilization:
        """Read the org's utilization, apply ``change`` in place, write it back whole."""
        current = self.org()
        change(current)
        return self.put_org(current)

    def update_user(self, user_id: str, change: Callable[[Utilization], Any]) -> Utilization:
        """Read a user's effective utilization, apply ``change``, write it back as theirs."""
        current = self.user(user_id)
        change(current)
        return self.put_user(user_id, current)

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
