"""A sandbox org that outlives the Python process that started it: the explicit entry point.

Nothing starts a sandbox implicitly: ``routingkit.genesys.connect()`` never does. Start one from
the shell with ``routingkit sandbox serve``, or from Python with :func:`ensure_running`, which
reuses a sandbox already running on this machine (the one it started before, found through a
state file in the cache directory, or ``routingkit sandbox serve`` on 127.0.0.1:8765) and
otherwise starts ``routingkit sandbox serve`` as a detached process (on port 8765 when free). It
returns a :class:`LocalOrg`, whose ``credentials`` go to ``connect``::

    from routingkit.genesys import connect
    from routingkit.sandbox.background import ensure_running

    client = connect(*ensure_running().credentials)

The process keeps running after Python exits; its log is ``sandbox.log`` beside the state file
(``~/.cache/routingkit/sandbox.url``). Stop it with your OS's tools (its process id is in the
state file). ``routingkit report``, ``demo`` and ``lab`` need none of this: without credentials
they run a sandbox for the length of the command and give its credentials to the notebooks.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

DEFAULT_PORT = 8765  # what `routingkit sandbox serve` uses unless told otherwise


class SandboxStartError(RuntimeError):
    """The background sandbox did not start; the message says why and where its log is."""


@dataclass(frozen=True)
class LocalOrg:
    """A sandbox org running on this machine: where it answers and its client credentials."""

    url: str
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = field(default=DEFAULT_CLIENT_SECRET, repr=False)
    pid: int | None = None  # the process this module started, if it did

    @property
    def credentials(self) -> tuple[str, str, str]:
        """``(client_id, client_secret, url)``: the positional arguments of ``connect``."""
        return (self.client_id, self.client_secret, self.url)

    def environment(self) -> dict[str, str]:
        """The ``GENESYSCLOUD_*`` variables that point ``connect()`` (and the CLI) at it."""
        return {
            "GENESYSCLOUD_OAUTHCLIENT_ID": self.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": self.client_secret,
            "GENESYSCLOUD_REGION": self.url,
        }


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "routingkit"


def state_file() -> Path:
    """Where the background sandbox's URL and process id are kept, one per machine and user."""
    return _cache_dir() / "sandbox.url"


def _answers(url: str) -> bool:
    """Whether ``url`` is a sandbox org that gives its default client a token."""
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    request = urllib.request.Request(
        f"{url}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=2.0) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_running() -> LocalOrg | None:
    """The sandbox org already running here with the default client: the one this module
    started (state file), else one on 127.0.0.1:8765; None when neither answers."""
    candidates: list[tuple[str, int | None]] = []
    with contextlib.suppress(OSError, IndexError, ValueError):
        parts = state_file().read_text().split()
        candidates.append((parts[0], int(parts[1]) if len(parts) > 1 else None))
    candidates.append((f"http://127.0.0.1:{DEFAULT_PORT}", None))
    for url, pid in candidates:
        if _answers(url):
            return LocalOrg(url, pid=pid)
    return None


def start(*, timeout: float = 120.0) -> LocalOrg:
    """Start ``routingkit sandbox serve`` as a detached process; return it once it answers.

    Seeding a new database (first start) takes a few seconds. Raises
    :class:`SandboxStartError` if the process exits or does not answer within ``timeout``.
    """
    port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    url = f"http://127.0.0.1:{port}"
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / "sandbox.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ROUTINGKIT_SANDBOX")}
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "routingkit.cli", "sandbox", "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=environment,
        )
    deadline = time.monotonic() + timeout
    while not _answers(url):
        if process.poll() is not None:
            raise SandboxStartError(
                f"the sandbox org exited during start-up (code {process.returncode}); see {log}"
            )
        if time.monotonic() > deadline:
            process.kill()
            raise SandboxStartError(
                f"the sandbox org did not start within {timeout:.0f} s; see {log}"
            )
        time.sleep(0.2)
    tmp = state_file().with_suffix(".tmp")
    tmp.write_text(f"{url}\n{process.pid}\n")
    os.replace(tmp, state_file())
    return LocalOrg(url, pid=process.pid)


def ensure_running(*, timeout: float = 120.0) -> LocalOrg:
    """A sandbox org running here: the one already running (:func:`find_running`), else a new
    background one (:func:`start`)."""
    return find_running() or start(timeout=timeout)
