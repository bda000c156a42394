"""Helpers shared by the sandbox tests."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from routingkit.sandbox import SandboxServer


def login(server: SandboxServer) -> str:
    """A bearer token from the sandbox's token endpoint."""
    return login_at(server.url, server.config.client_id, server.config.client_secret)


def login_at(url: str, client_id: str, client_secret: str) -> str:
    response = httpx.post(
        f"{url}/oauth/token",
        auth=(client_id, client_secret),
        data={"grant_type": "client_credentials"},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition()`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.02)


@dataclass
class Served:
    """A ``routingkit sandbox serve`` process, once it accepts requests."""

    process: subprocess.Popen[str]
    url: str
    output: list[str] = field(default_factory=list)

    def printed(self) -> str:
        return "".join(self.output)

    def admin_secret_file(self) -> Path:
        found = re.search(r"admin secret file: (\S+)", self.printed())
        assert found, f"serve printed no admin secret file:\n{self.printed()}"
        return Path(found.group(1))


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put(None)


@contextmanager
def served(
    db: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60.0
) -> Iterator[Served]:
    """Run ``routingkit sandbox serve`` on a free port; yield it once its token endpoint answers.

    The process is stopped (terminated, then killed) on the way out if the test left it running.
    """
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ROUTINGKIT_SANDBOX")}
    environment.update(env or {})
    command = [sys.executable, "-m", "routingkit.cli", "sandbox", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None or "stops it" not in "".join(output):
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                message = f"serve printed no URL in {timeout} s:\n{''.join(output)}"
                raise AssertionError(message) from None
            assert line is not None, f"serve exited early:\n{''.join(output)}"
            output.append(line)
            found = re.search(r"GENESYSCLOUD_REGION=(\S+)", line)
            if found:
                url = found.group(1)
        served_process = Served(process, url, output)

        def ready() -> bool:
            try:
                return httpx.get(f"{url}/api/v2/routing/skills", timeout=2).status_code == 401
            except httpx.TransportError:
                return False

        wait_until(ready, "the served sandbox answering", timeout)
        yield served_process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        while True:  # whatever it printed after start-up, for the assertions that follow
            try:
                rest = lines.get(timeout=5)
            except queue.Empty:
                break
            if rest is None:
                break
            output.append(rest)
