"""What stands in front of every endpoint: auth, rate limits, correlation ids, faults."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sandbox_helpers import login

from routingkit.sandbox import FaultRule, SandboxServer, running_sandbox
from routingkit.sandbox.service import create_app


def test_every_route_needs_a_valid_token(org: SandboxServer) -> None:
    """Walk the app's own route table, so a new endpoint cannot slip past the check."""
    import re

    app = create_app(org.sandbox)  # type: ignore[arg-type]
    calls = [
        (method, re.sub(r"{[^}]+}", "x", route.path))
        for route in app.app.routes  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD"})
    ]
    assert len(calls) > 40
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        for method, path in calls:
            answer = httpx.request(method, org.url + path, headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers)
            body = answer.json()
            assert body["code"] in ("authentication.required", "bad.credentials")
            assert body["contextId"] == answer.headers["inin-correlation-id"]


def test_wrong_secret_gets_the_real_invalid_client_body(org: SandboxServer) -> None:
    answer = httpx.post(
        f"{org.url}/oauth/token",
        auth=(org.config.client_id, "wrong"),
        data={"grant_type": "client_credentials"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"
    assert {"description", "error_description"} <= set(answer.json())
    assert "wrong" not in answer.text


def test_token_response_and_correlation_header(org: SandboxServer, api: httpx.Client) -> None:
    token = httpx.post(
        f"{org.url}/oauth/token",
        auth=(org.config.client_id, org.config.client_secret),
        data={"grant_type": "client_credentials"},
    ).json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 86400
    first, second = api.get("/api/v2/routing/skills"), api.get("/api/v2/routing/skills")
    assert first.headers["inin-correlation-id"] != second.headers["inin-correlation-id"]
    for header in ("inin-ratelimit-allowed", "inin-ratelimit-count", "inin-ratelimit-reset"):
        assert header in first.headers


def test_unknown_path_is_a_genesys_404(api: httpx.Client) -> None:
    answer = api.get("/api/v2/eventstreams")
    assert answer.status_code == 404 and answer.json()["code"] == "not.found"


def test_tokens_expire_after_their_lifetime(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1, token_ttl_seconds=1) as server:
        token = httpx.post(
            f"{server.url}/oauth/token",
            auth=(server.config.client_id, server.config.client_secret),
            data={"grant_type": "client_credentials"},
        ).json()
        assert token["expires_in"] == 1
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers).status_code == 200
        deadline = time.monotonic() + 10
        while httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers).status_code == 200:
            assert time.monotonic() < deadline, "token never expired"
            time.sleep(0.1)
        expired = httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers)
        assert expired.status_code == 401 and expired.json()["code"] == "bad.credentials"


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1, rate_limit_per_minute=5) as server:
        headers = {"Authorization": f"Bearer {login(server)}"}
        answers = [
            httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers) for _ in range(7)
        ]
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
        assert [int(a.headers["inin-ratelimit-count"]) for a in answers[:5]] == [1, 2, 3, 4, 5]
        limited = answers[5]
        assert limited.json()["code"] == "too.many.requests.retry.after"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["inin-ratelimit-allowed"] == "5"
        # a second token has its own budget
        other = {"Authorization": f"Bearer {login(server)}"}
        assert httpx.get(f"{server.url}/api/v2/routing/skills", headers=other).status_code == 200


def _statuses(server: SandboxServer, count: int) -> list[object]:
    headers = {"Authorization": f"Bearer {login(server)}"}
    out: list[object] = []
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        for _ in range(count):
            try:
                out.append(client.get("/api/v2/routing/skills").status_code)
            except httpx.RemoteProtocolError:
                out.append("dropped")
    return out


def test_fault_injection_is_off_by_default(small_org: SandboxServer) -> None:
    assert set(_statuses(small_org, 40)) == {200}


def test_faults_are_deterministic_by_seed(tmp_path: Path) -> None:
    rule = FaultRule(
        pattern="GET /api/v2/routing/*", rate=0.3, kinds=("429", "500", "503", "504", "drop")
    )
    runs = []
    for run in range(2):
        with running_sandbox(
            tmp_path / f"org{run}.sqlite3", days=1, fault_seed=11, faults=[rule]
        ) as server:
            runs.append(_statuses(server, 120))
    assert runs[0] == runs[1]
    failures = [s for s in runs[0] if s != 200]
    assert 20 <= len(failures) <= 55  # 30% of 120, give or take chance
    assert {429, 500, 503, 504, "dropped"} <= set(failures)


def test_faults_follow_the_endpoint_pattern(tmp_path: Path) -> None:
    rule = FaultRule(pattern="/api/v2/analytics/*", rate=1.0, kinds=("503",))
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[rule]) as server:
        assert set(_statuses(server, 10)) == {200}
        headers = {"Authorization": f"Bearer {login(server)}"}
        answer = httpx.post(
            f"{server.url}/api/v2/analytics/queues/observations/query", headers=headers, json={}
        )
        assert answer.status_code == 503 and answer.json()["code"] == "service.unavailable"


def test_faults_can_be_set_at_run_time(small_org: SandboxServer) -> None:
    headers = {"Authorization": f"Bearer {login(small_org)}"}
    bad = small_org.admin("PUT", "faults", json={"rules": [{"rate": 0.5, "kinds": ["418"]}]})
    assert bad.status_code == 400 and "418" in bad.json()["message"]
    set_ = small_org.admin(
        "PUT",
        "faults",
        json={
            "seed": 3,
            "rules": [
                {"pattern": "/api/v2/*", "rate": 1.0, "kinds": ["429"], "retryAfterSeconds": 2}
            ],
        },
    )
    assert set_.status_code == 200 and set_.json()["rules"][0]["rate"] == 1.0
    limited = httpx.get(f"{small_org.url}/api/v2/routing/skills", headers=headers)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert small_org.admin("GET", "faults").json()["injected"] == 1  # since the rules were set
    # the admin path itself is never faulted, so it can always switch faults off
    off = small_org.admin("PUT", "faults", json={"rules": []})
    assert off.status_code == 200
    assert httpx.get(f"{small_org.url}/api/v2/routing/skills", headers=headers).status_code == 200


def test_delay_fault_delays(tmp_path: Path) -> None:
    rule = FaultRule(pattern="/api/v2/routing/skills", rate=1.0, kinds=("delay",), delay_ms=300)
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[rule]) as server:
        headers = {"Authorization": f"Bearer {login(server)}"}
        start = time.monotonic()
        answer = httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers)
        assert answer.status_code == 200 and time.monotonic() - start >= 0.3


def test_binds_loopback_only_by_default(org: SandboxServer) -> None:
    assert org.config.host == "127.0.0.1"
    assert org.url.startswith("http://127.0.0.1:")
