"""Helpers shared by the workload tests: a sandbox with a pinned calendar, and its client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from routingkit.genesys import GenesysClient, connect
from routingkit.sandbox import SandboxServer, running_sandbox

SEED_DAY = dt.date(2026, 11, 16)  # the org is seeded "today" = this day; history ends before it
DAYS = 60


@contextmanager
def pinned_sandbox(db_path: Path, **overrides: Any) -> Iterator[SandboxServer]:
    """A sandbox seeded as if today were SEED_DAY (the date is read only while it starts)."""
    with running_sandbox(
        db_path, days=DAYS, rate_limit_per_minute=1_000_000, today=SEED_DAY, **overrides
    ) as server:
        yield server


def client_for(server: SandboxServer) -> GenesysClient:
    return connect(server.config.client_id, server.config.client_secret, server.url)
