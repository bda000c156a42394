"""One seeded 60-day sandbox org shared by the workload tests, and its clean 60-day history.

The sandbox draws each day's traffic from the seed *and the date*, so its history changes
every day; these tests pin the org's calendar so that the history, and every tolerance checked
against the ground truth, is the same on every run. The 60 days end on Sunday 15 November
2026 and include the end of daylight saving time (Sunday 1 November in America/Chicago).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from workload_helpers import DAYS, client_for, pinned_sandbox

from routingkit.genesys import GenesysClient
from routingkit.sandbox import SandboxServer
from routingkit.workload import fetch_history


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default cache directory of every test is its own (never the user's home)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "routingkit" / "history"


@pytest.fixture(scope="session")
def history_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with pinned_sandbox(tmp_path_factory.mktemp("workload") / "org.sqlite3") as server:
        yield server


@pytest.fixture(scope="session")
def truth(history_org: SandboxServer) -> dict[str, Any]:
    assert history_org.sandbox is not None
    found = history_org.sandbox.ground_truth()
    assert found["days"] == DAYS
    return found


@pytest.fixture(scope="session")
def zone(truth: dict[str, Any]) -> ZoneInfo:
    return ZoneInfo(truth["time_zone"])


@pytest.fixture(scope="session")
def history_dates(truth: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """[first, end) local dates of the stored history."""
    first = dt.date.fromisoformat(truth["start_date"])
    return first, first + dt.timedelta(days=DAYS)


@pytest.fixture()
def client(history_org: SandboxServer) -> Iterator[GenesysClient]:
    with client_for(history_org) as made:
        yield made


@pytest.fixture(scope="session")
def clean_history(
    history_org: SandboxServer, truth: dict[str, Any], history_dates: tuple[dt.date, dt.date]
) -> pd.DataFrame:
    """Every queue, 60 days, PT30M, local dates, fetched without the cache."""
    with client_for(history_org) as made:
        return fetch_history(
            made,
            None,
            *history_dates,
            time_zone=truth["time_zone"],
            use_cache=False,
            progress=False,
        )
