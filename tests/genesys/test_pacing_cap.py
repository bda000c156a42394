"""Pacing never waits longer than the Retry-After cap, whatever inin-ratelimit-reset says."""

from __future__ import annotations

import time

import httpx
import pytest

from routingkit.genesys import GenesysClient, RateLimitedError
from routingkit.genesys.pacing import Pacer


def _budget(allowed: int, count: int, reset: float) -> dict[str, str]:
    return {
        "inin-ratelimit-allowed": str(allowed),
        "inin-ratelimit-count": str(count),
        "inin-ratelimit-reset": str(reset),
    }


@pytest.fixture()
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every time.sleep, recorded; anything over 5 s fails the test instead of hanging it."""
    seen: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        seen.append(seconds)
        if seconds > 5:
            raise AssertionError(f"slept {seconds:.0f} s")
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return seen


def test_a_spent_budget_resetting_beyond_the_cap_holds_nobody_and_the_orgs_429_decides(
    sleeps: list[float],
) -> None:
    answers = iter(
        [
            httpx.Response(200, headers=_budget(300, 300, 100_000), json={"n": 1}),
            httpx.Response(
                429,
                headers={"Retry-After": "100000", **_budget(300, 301, 100_000)},
                json={"code": "too.many.requests.retry.after", "message": "daily cap"},
            ),
        ]
    )
    client = GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(lambda request: next(answers)),
    )
    assert client.request("GET", "/api/v2/things") == {"n": 1}
    with pytest.raises(RateLimitedError, match=r"wait 100000 s, more than the 180 s"):
        client.request("GET", "/api/v2/things")
    assert all(s <= 5 for s in sleeps)


def test_spacing_spreads_the_budget_over_at_most_the_cap(sleeps: list[float]) -> None:
    pacer = Pacer(max_wait=180.0)
    pacer.observe(_budget(300, 200, 100_000))  # 100 requests left "until" the reset
    assert pacer.reserve() == 0.0
    assert 0.0 < pacer.reserve() <= 180.0 / 100


def test_a_spent_budget_within_the_cap_still_waits_for_the_reset() -> None:
    pacer = Pacer(max_wait=180.0)
    pacer.observe(_budget(10, 10, 5))
    assert 4.0 < pacer.reserve() <= 5.0


def test_a_hold_is_capped_too() -> None:
    pacer = Pacer(max_wait=180.0)
    pacer.hold(100_000)
    assert pacer.reserve() <= 180.0


def test_the_client_paces_with_its_retry_after_cap() -> None:
    client = GenesysClient(
        "https://api.example.test", httpx.BasicAuth("u", "p"), max_retry_after=60
    )
    assert client.pacer.max_wait == 60
