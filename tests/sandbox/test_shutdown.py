"""Stopping the sandbox always completes promptly, even with requests held by a delay fault."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
from sandbox_helpers import login, login_at, served, wait_until

from routingkit.sandbox import ADMIN_SECRET_HEADER, FaultRule, running_sandbox

LONG_DELAY = FaultRule(pattern="/api/v2/*", rate=1.0, kinds=("delay",), delay_ms=60_000)


def _in_background(url: str, token: str) -> tuple[threading.Thread, list[object]]:
    """GET a delayed endpoint in a thread; the list gets its status code or its error."""
    outcome: list[object] = []

    def call() -> None:
        try:
            headers = {"Authorization": f"Bearer {token}"}
            outcome.append(httpx.get(f"{url}/api/v2/routing/skills", headers=headers, timeout=90))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, outcome


def test_stop_completes_while_a_delay_fault_holds_a_request(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "org.sqlite3", days=1, faults=[LONG_DELAY]) as server:
        assert server.sandbox is not None
        thread, outcome = _in_background(server.url, login(server))
        wait_until(lambda: server.sandbox.faults.injected == 1, "the delay fault")  # type: ignore[union-attr]
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 5
    thread.join(timeout=5)
    assert not thread.is_alive()
    answer = outcome[0]
    # the held request is answered (503, shutting down) or cut; it does not wait out the delay
    assert not isinstance(answer, httpx.Response) or answer.status_code == 503


def test_sigterm_stops_serve_while_a_delay_fault_holds_a_request(tmp_path: Path) -> None:
    with served(tmp_path / "org.sqlite3", "--days", "1") as serve:
        admin = {ADMIN_SECRET_HEADER: serve.admin_secret_file().read_text().strip()}
        rules = {"rules": [{"rate": 1.0, "kinds": ["delay"], "delayMs": 60_000}]}
        assert httpx.put(f"{serve.url}/sandbox/admin/faults", headers=admin, json=rules).is_success
        token = login_at(serve.url, "routingkit-sandbox", "sandbox-secret")
        thread, _ = _in_background(serve.url, token)

        def held() -> bool:
            faults = httpx.get(f"{serve.url}/sandbox/admin/faults", headers=admin).json()
            return bool(faults["injected"] == 1)

        wait_until(held, "the delay fault")
        started = time.monotonic()
        serve.process.send_signal(signal.SIGTERM)
        serve.process.wait(timeout=30)
        assert time.monotonic() - started < 5
    thread.join(timeout=5)
    assert not thread.is_alive()
