"""One seeded sandbox org shared by the sandbox tests (seeding 60 days takes a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("sandbox") / "org.sqlite3"
    with running_sandbox(db, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture(scope="session")
def api(org: SandboxServer) -> Iterator[httpx.Client]:
    """An httpx client with a bearer token for the shared org."""
    token = login(org)
    with httpx.Client(
        base_url=org.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture()
def small_org(tmp_path: Path) -> Iterator[SandboxServer]:
    """A fresh two-day org for tests that change server-wide settings."""
    with running_sandbox(tmp_path / "small.sqlite3", days=2) as server:
        yield server
