"""A seeded sandbox org shared by the client tests, and a client connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from client_helpers import client_for

from routingkit.genesys import GenesysClient
from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("client-org") / "org.sqlite3"
    with running_sandbox(db, days=3, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture()
def client(org: SandboxServer) -> Iterator[GenesysClient]:
    with client_for(org) as c:
        yield c


@pytest.fixture()
def tiny_org(tmp_path: Path) -> Iterator[SandboxServer]:
    with running_sandbox(tmp_path / "tiny.sqlite3", days=1) as server:
        yield server
