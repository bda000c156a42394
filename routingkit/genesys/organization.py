"""The org the client is connected to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Organization

if TYPE_CHECKING:
    from .client import GenesysClient


class OrganizationApi:
    """The org the client is connected to."""

    def __init__(self, client: GenesysClient) -> None:
        self._client = client

    def me(self) -> Organization:
        """GET /api/v2/organizations/me: the caller's org (id, name, state, platform...)."""
        return Organization.model_validate(self._client.get("/api/v2/organizations/me"))
