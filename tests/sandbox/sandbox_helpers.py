"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import httpx

from routingkit.sandbox import SandboxServer


def login(server: SandboxServer) -> str:
    """A bearer token from the sandbox's token endpoint."""
    response = httpx.post(
        f"{server.url}/oauth/token",
        auth=(server.config.client_id, server.config.client_secret),
        data={"grant_type": "client_credentials"},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])
