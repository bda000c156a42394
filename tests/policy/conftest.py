"""A seeded sandbox org shared by the policy tests that only read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from routingkit.genesys import GenesysClient, connect
from routingkit.sandbox import SandboxServer, running_sandbox

TODAY = dt.date(2026, 11, 16)


@pytest.fixture(scope="session")
def policy_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("policy-org") / "org.sqlite3"
    with running_sandbox(db, days=21, today=TODAY, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture()
def client(policy_org: SandboxServer) -> Iterator[GenesysClient]:
    with connect(
        policy_org.config.client_id, policy_org.config.client_secret, policy_org.url
    ) as made:
        yield made
