"""The audit trail: who changed what in routing, and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import GenesysClient


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
