"""Helpers shared by the client tests."""

from __future__ import annotations

from typing import Any

from routingkit.genesys import GenesysClient, connect
from routingkit.sandbox import SandboxServer


def client_for(server: SandboxServer, **options: Any) -> GenesysClient:
    return connect(server.config.client_id, server.config.client_secret, server.url, **options)
