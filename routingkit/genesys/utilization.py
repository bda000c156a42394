"""Per-agent concurrency (utilization), for the org and for single users."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .models import Utilization

if TYPE_CHECKING:
    from .client import GenesysClient


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
