"""A seeded sandbox org shared by the client tests, and a client connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from routingkit.genesys import GenesysClient, connect
from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("client-org") / "org.sqlite3"
    with running_sandbox(db, days=3, rate_limit_per_minute=1_000_000) as server:
        yield server


def client_for(server: SandboxServer, **options: object) -> GenesysClient:
    return connect(server.config.client_id, server.config.client_secret, server.url, **options)  # type: ignore[arg-type]


@pytest.fixture()
def client(org: SandboxServer) -> Iterator[GenesysClient]:
    with client_for(org) as c:
        yield c


@pytest.fixture()
def tiny_org(tmp_path: Path) -> Iterator[SandboxServer]:
    with running_sandbox(tmp_path / "tiny.sqlite3", days=1) as server:
        yield server
