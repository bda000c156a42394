"""Who can reach the sandbox: loopback by default, never a public secret on a public interface,
and no requests addressed to another host name (DNS rebinding)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import SandboxConfig, SandboxServer
from routingkit.sandbox.gateway import host_allowed


def test_a_public_bind_with_the_public_secret_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    server = SandboxServer(SandboxConfig(host="0.0.0.0", port=0, db_path=db, days=1))
    try:
        with pytest.raises(ValueError, match="ROUTINGKIT_SANDBOX_CLIENT_SECRET"):
            server.start()
    finally:
        server.stop()
    assert not db.exists()  # refused before anything was seeded or bound


def test_serve_refuses_a_public_bind_with_the_public_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROUTINGKIT_SANDBOX")}
    command = [sys.executable, "-m", "routingkit.cli", "sandbox", "serve", "--host", "0.0.0.0"]
    result = subprocess.run(
        [*command, "--port", "0", "--days", "1", "--db", str(tmp_path / "org.sqlite3")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "0.0.0.0" in result.stderr and "ROUTINGKIT_SANDBOX_CLIENT_SECRET" in result.stderr
    assert "GENESYSCLOUD_REGION" not in result.stdout


def test_a_public_bind_with_an_own_secret_is_allowed() -> None:
    config = SandboxConfig(host="0.0.0.0", client_secret="an-own-secret-of-some-length")
    config.check_exposure()  # does not raise


@pytest.mark.parametrize(
    "path", ["/oauth/token", "/api/v2/routing/skills", "/sandbox/admin/faults"]
)
def test_a_forged_host_header_is_refused(org: SandboxServer, path: str) -> None:
    headers = {"Host": f"rebound.example:{org.port}", "Authorization": f"Bearer {login(org)}"}
    answer = httpx.post(f"{org.url}{path}", headers=headers, data={"grant_type": "x"})
    assert answer.status_code == 421
    assert answer.json()["code"] == "misdirected.request"
    assert "rebound.example" in answer.json()["message"]


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}"]
)
def test_loopback_host_names_are_served(org: SandboxServer, host: str) -> None:
    answer = httpx.post(
        f"{org.url}/oauth/token",
        headers={"Host": host.format(port=org.port)},
        auth=(org.config.client_id, org.config.client_secret),
        data={"grant_type": "client_credentials"},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("host", "bound", "allowed", "expected"),
    [
        ("127.0.0.1:8765", "127.0.0.1", (), True),
        ("127.0.0.5", "127.0.0.1", (), True),
        ("localhost.:8765", "127.0.0.1", (), True),
        ("[::1]:8765", "127.0.0.1", (), True),
        ("evil.example", "127.0.0.1", (), False),
        ("127.0.0.1.evil.example", "127.0.0.1", (), False),
        ("", "127.0.0.1", (), False),
        (None, "127.0.0.1", (), False),
        ("10.1.2.3:8765", "10.1.2.3", (), True),  # the configured host
        ("10.1.2.4:8765", "10.1.2.3", (), False),
        ("org.lan:8765", "0.0.0.0", ("org.lan",), True),  # a name given with --allowed-host
        ("other.lan:8765", "0.0.0.0", ("org.lan",), False),
        # bound to every interface: a bare address cannot be a rebinding (no name to re-point)
        ("192.168.1.5:8765", "0.0.0.0", (), True),
        ("[fe80::1]:8765", "::", (), True),
    ],
)
def test_which_host_headers_are_served(
    host: str | None, bound: str, allowed: tuple[str, ...], expected: bool
) -> None:
    config = SandboxConfig(host=bound, allowed_hosts=allowed)
    assert host_allowed(host, config) is expected
