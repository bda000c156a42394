"""State survives restarts; a failed write leaves nothing behind; the CLI runs the sandbox."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import ground_truth, running_sandbox
from routingkit.sandbox.service import Sandbox


def test_changes_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    with running_sandbox(db, days=2) as first:
        headers = {"Authorization": f"Bearer {login(first)}"}
        made = httpx.post(
            f"{first.url}/api/v2/routing/queues", headers=headers, json={"name": "Survivor"}
        ).json()
        truth = first.sandbox.ground_truth()  # type: ignore[union-attr]
    with running_sandbox(db, days=2) as second:
        headers = {"Authorization": f"Bearer {login(second)}"}
        again = httpx.get(f"{second.url}/api/v2/routing/queues/{made['id']}", headers=headers)
        assert again.status_code == 200 and again.json()["name"] == "Survivor"
        assert second.sandbox.ground_truth() == truth  # type: ignore[union-attr]
    assert ground_truth(db) == truth


def test_a_failed_write_leaves_no_half_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1) as server:
        headers = {"Authorization": f"Bearer {login(server)}"}

        def crash(*args: object, **kwargs: object) -> None:
            raise RuntimeError("simulated crash after the queue row was written")

        monkeypatch.setattr(Sandbox, "audit", crash)
        answer = httpx.post(
            f"{server.url}/api/v2/routing/queues", headers=headers, json={"name": "Half written"}
        )
        assert answer.status_code == 500
        assert answer.json()["code"] == "internal.server.error"
        assert "simulated crash" not in answer.text  # no internals leak to clients
        monkeypatch.undo()
        listing = httpx.get(
            f"{server.url}/api/v2/routing/queues", headers=headers, params={"name": "Half written"}
        ).json()
        assert listing["total"] == 0


def test_history_follows_the_calendar(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=3) as server:
        box = server.sandbox
        assert box is not None
        today = box.today()
        assert box.store.get_meta("end_date") == today.isoformat()
        truth = box.ground_truth()
        assert truth["days"] == 3 and len(truth["queues"]) == 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_serve_prints_where_and_how_then_reset_removes(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "routingkit.cli",
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--db",
            str(db),
            "--days",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ROUTINGKIT_SANDBOX_CLIENT_SECRET": "s3cret-for-test"},
    )
    try:
        lines = [proc.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
        text = "".join(lines)
        assert f"GENESYSCLOUD_REGION=http://127.0.0.1:{port}" in text
        assert "GENESYSCLOUD_OAUTHCLIENT_SECRET=<the secret you set>" in text
        assert "s3cret-for-test" not in text  # a chosen secret is not echoed
        deadline = time.monotonic() + 60
        while True:  # ready when it answers; seeding happens before the port opens
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/oauth/token",
                    auth=("routingkit-sandbox", "s3cret-for-test"),
                    data={"grant_type": "client_credentials"},
                )
                break
            except httpx.ConnectError:
                assert proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "sandbox never came up"
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert db.exists()
    reset = subprocess.run(
        [sys.executable, "-m", "routingkit.cli", "sandbox", "reset", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "removed" in reset.stdout and not db.exists()
    assert not os.path.exists(f"{db}-wal")
