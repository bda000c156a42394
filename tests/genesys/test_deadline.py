"""Every call has an overall deadline; waits on the way are logged; expiry is a typed error."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from client_helpers import client_for

from routingkit.genesys import DeadlineExceededError, GenesysClient, TransportError
from routingkit.sandbox import SandboxServer

SKILLS = "/api/v2/routing/skills"


def _mock_client(
    handler: Callable[[httpx.Request], httpx.Response], **options: float
) -> GenesysClient:
    return GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(handler),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture()
def frozen_skills(org: SandboxServer) -> Iterator[None]:
    """GET /api/v2/routing/skills answers only after 5 s (a sandbox fault of kind delay)."""
    rule = {"pattern": f"GET {SKILLS}", "rate": 1.0, "kinds": ["delay"], "delayMs": 5000}
    assert org.admin("PUT", "faults", json={"seed": 0, "rules": [rule]}).status_code == 200
    try:
        yield
    finally:
        assert org.admin("PUT", "faults", json={"seed": 0, "rules": []}).status_code == 200


def test_the_default_deadline_is_two_minutes() -> None:
    client = _mock_client(lambda request: httpx.Response(200, json={}))
    assert client.deadline == 120.0


@pytest.mark.usefixtures("frozen_skills")
def test_a_frozen_server_fails_at_the_clients_deadline_saying_what_to_check(
    org: SandboxServer,
) -> None:
    with client_for(org, deadline=1.0) as client:
        start = time.monotonic()
        with pytest.raises(DeadlineExceededError) as expired:
            client.people.skills()
        took = time.monotonic() - start
    assert took < 3.0
    error = expired.value
    assert isinstance(error, TransportError)
    assert (error.method, error.path, error.deadline) == ("GET", SKILLS, 1.0)
    assert 0.9 <= error.waited < 3.0
    text = str(error)
    assert f"GET {SKILLS}: gave up after" in text
    assert "deadline is 1 s" in text
    assert "ReadTimeout" in text
    assert org.url in text and "deadline=" in text and "Check that" in text


@pytest.mark.usefixtures("frozen_skills")
def test_a_per_call_deadline_overrides_the_clients(client: GenesysClient) -> None:
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError, match=r"deadline is 0\.5 s"):
        client.request("GET", SKILLS, deadline=0.5)
    assert time.monotonic() - start < 2.5


def test_a_retry_wait_that_would_end_past_the_deadline_is_not_started() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, headers={"Retry-After": "30"}, json={"code": "too.many.requests.retry.after"}
        )

    client = _mock_client(handler, deadline=2.0)
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError) as expired:
        client.request("GET", "/api/v2/things")
    assert time.monotonic() - start < 1.0
    assert "asked to wait 30 s (Retry-After)" in str(expired.value)
    assert "429 too.many.requests.retry.after" in str(expired.value)


def test_a_pacing_wait_past_the_deadline_fails_at_once() -> None:
    client = _mock_client(lambda request: httpx.Response(200, json={}))
    client.pacer.hold(30.0)
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError, match=r"pacing asks to wait \d+\.\d s"):
        client.request("GET", "/api/v2/things", deadline=1.0)
    assert time.monotonic() - start < 0.5


def test_retry_waits_are_logged_at_info_with_what_failed_and_for_how_long(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = iter([503, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        if status == 503:
            return httpx.Response(
                503, headers={"Retry-After": "0"}, json={"code": "service.unavailable"}
            )
        return httpx.Response(200, json={"ok": True})

    client = _mock_client(handler)
    with caplog.at_level(logging.INFO, logger="routingkit.genesys"):
        assert client.request("GET", "/api/v2/things") == {"ok": True}
    waits = [r for r in caplog.records if "waiting" in r.getMessage()]
    assert [r.levelno for r in waits] == [logging.INFO, logging.INFO]
    assert {r.name for r in waits} == {"routingkit.genesys"}
    first = waits[0].getMessage()
    assert first.startswith("GET /api/v2/things: 503 service.unavailable; waiting 0.0 s")
    assert "before attempt 2 of 6" in first and "of the 120 s deadline left" in first


@pytest.mark.parametrize("bad", [0, -1.0])
def test_a_deadline_that_is_not_positive_is_refused_naming_it(bad: float) -> None:
    with pytest.raises(ValueError, match=f"the client's deadline is {bad!r}; give seconds > 0"):
        _mock_client(lambda request: httpx.Response(200), deadline=bad)
    with pytest.raises(ValueError, match=f"^deadline is {bad!r}"):
        _mock_client(lambda request: httpx.Response(200)).request("GET", "/x", deadline=bad)
