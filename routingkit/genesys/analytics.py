"""Conversation aggregates, queue observations and the org's analytics limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import GenesysClient


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
