"""Transient failures and token expiry change nothing in the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from workload_helpers import client_for, pinned_sandbox

from routingkit.sandbox import FaultRule, SandboxServer
from routingkit.workload import fetch_history, handle_time_distribution

FAULTS = FaultRule(
    pattern="/api/v2/analytics/*", rate=0.2, kinds=("429", "500", "503", "504", "drop")
)
# A fault seed whose first eight analytics requests meet all five kinds (at a 20 % rate a
# handful of requests could otherwise see none, or only one kind).
FAULT_SEED = 276


@pytest.fixture(scope="module")
def faulty_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """The same org (seed 42, same pinned 60 days) with 20 % of analytics requests failing."""
    db = tmp_path_factory.mktemp("faulty") / "org.sqlite3"
    with pinned_sandbox(db, faults=[FAULTS], fault_seed=FAULT_SEED) as server:
        yield server


def test_injected_faults_leave_the_history_exactly_as_a_clean_run(
    faulty_org: SandboxServer,
    history_org: SandboxServer,
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
) -> None:
    zone = truth["time_zone"]
    options: dict[str, Any] = {"time_zone": zone, "use_cache": False, "progress": False}
    with client_for(faulty_org) as faulty, client_for(history_org) as clean:
        found = fetch_history(faulty, None, *history_dates, **options)
        daily = fetch_history(faulty, None, *history_dates, "P1D", **options)
        spread = handle_time_distribution(faulty, "Support - Voice", *history_dates, time_zone=zone)
        expected_daily = fetch_history(clean, None, *history_dates, "P1D", **options)
        expected_spread = handle_time_distribution(
            clean, "Support - Voice", *history_dates, time_zone=zone
        )
    pd.testing.assert_frame_equal(found, clean_history)
    pd.testing.assert_frame_equal(daily, expected_daily)
    pd.testing.assert_frame_equal(spread, expected_spread)
    assert faulty_org.sandbox is not None
    # The eight queries met six faults: 504, 429, 500, drop and 503 twice.
    assert faulty_org.sandbox.faults.injected == 6


def test_tokens_expired_between_fetches_are_renewed(
    history_org: SandboxServer, truth: dict[str, Any], history_dates: tuple[dt.date, dt.date]
) -> None:
    first = history_dates[0]
    window = (first, first + dt.timedelta(days=3))
    options: dict[str, Any] = {"time_zone": truth["time_zone"], "use_cache": False}
    with client_for(history_org) as client:
        before = fetch_history(client, "Support - Voice", *window, **options)
        assert history_org.admin("POST", "tokens/expire").status_code == 200
        after = fetch_history(client, "Support - Voice", *window, **options)
        assert client.auth.tokens_fetched == 2  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(after, before)


def test_a_token_expiring_between_chunks_is_invisible(
    history_org: SandboxServer,
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with client_for(history_org) as client:
        send = client.analytics.aggregates
        calls = 0

        def expire_before_the_second_chunk(query: Any) -> dict[str, Any]:
            nonlocal calls
            calls += 1
            if calls == 2:
                assert history_org.admin("POST", "tokens/expire").status_code == 200
            return send(query)

        monkeypatch.setattr(client.analytics, "aggregates", expire_before_the_second_chunk)
        found = fetch_history(
            client,
            None,
            *history_dates,
            time_zone=truth["time_zone"],
            use_cache=False,
            max_workers=1,
        )
        assert calls == 2
        assert client.auth.tokens_fetched == 2  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(found, clean_history)
