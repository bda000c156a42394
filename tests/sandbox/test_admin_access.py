"""The /sandbox/admin surface answers only to the sandbox's own admin secret."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import ADMIN_SECRET_HEADER, SandboxConfig, SandboxServer, running_sandbox

ADMIN_CALLS = [
    ("GET", "faults"),
    ("PUT", "faults"),
    ("GET", "ground-truth"),
    ("POST", "tokens/expire"),
]


@pytest.mark.parametrize(("method", "endpoint"), ADMIN_CALLS)
def test_an_api_token_is_forbidden_on_the_admin_endpoints(
    small_org: SandboxServer, method: str, endpoint: str
) -> None:
    headers = {"Authorization": f"Bearer {login(small_org)}"}
    answer = httpx.request(
        method,
        f"{small_org.url}/sandbox/admin/{endpoint}",
        headers=headers,
        json={"rules": [{"rate": 1.0, "kinds": ["delay"]}]},
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "missing.permissions"
    assert ADMIN_SECRET_HEADER in answer.json()["message"]  # says what to send instead
    # nothing happened: no fault was set, no token expired
    assert httpx.get(f"{small_org.url}/api/v2/routing/skills", headers=headers).status_code == 200
    assert small_org.admin("GET", "faults").json()["rules"] == []


def test_a_wrong_admin_secret_is_refused(small_org: SandboxServer) -> None:
    answer = httpx.get(
        f"{small_org.url}/sandbox/admin/ground-truth", headers={ADMIN_SECRET_HEADER: "guess"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "bad.credentials"
    assert "guess" not in answer.text


def test_the_admin_secret_opens_every_admin_endpoint(small_org: SandboxServer) -> None:
    token = login(small_org)
    assert small_org.admin("GET", "faults").json()["rules"] == []
    assert small_org.admin("PUT", "faults", json={"rules": []}).status_code == 200
    assert small_org.admin("GET", "ground-truth").json()["queues"]
    assert small_org.admin("POST", "tokens/expire").json()["expired"] == 1
    expired = httpx.get(
        f"{small_org.url}/api/v2/routing/skills", headers={"Authorization": f"Bearer {token}"}
    )
    assert expired.status_code == 401


def test_admin_requests_have_their_own_rate_limit(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1, rate_limit_per_minute=3) as server:
        answers = [server.admin("GET", "faults") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert int(answers[-1].headers["retry-after"]) >= 1
        # an API token's budget is its own: the admin calls did not spend it
        headers = {"Authorization": f"Bearer {login(server)}"}
        assert httpx.get(f"{server.url}/api/v2/routing/skills", headers=headers).status_code == 200


def test_each_sandbox_has_its_own_admin_secret_that_never_prints() -> None:
    first, second = SandboxConfig(), SandboxConfig()
    assert first.admin_secret != second.admin_secret
    assert len(first.admin_secret) >= 32
    assert first.admin_secret not in repr(first)
    assert first.client_secret not in repr(first)
