"""Running the sandbox: in the foreground (CLI) or in a background thread (tests, notebooks)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from .config import SandboxConfig
from .service import Sandbox, create_app


class _HideInjectedDrops(logging.Filter):
    """Dropped connections are the sandbox's own fault injection, not errors worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, ConnectionAbortedError) and "fault injection" in str(exc))


logging.getLogger("uvicorn.error").addFilter(_HideInjectedDrops())


class SandboxServer:
    """A sandbox org served over HTTP on 127.0.0.1 (or ``config.host``).

    ``start()`` seeds the database if needed, binds the port (0 picks a free one), serves in a
    background thread and returns once the server accepts connections; ``stop()`` shuts it down.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sandbox: Sandbox | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = config.port

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this: without it a response written in two parts waits
        # for the client's delayed ACK (40 ms a request).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.config.host, self.config.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        return sock

    def _uvicorn(self) -> uvicorn.Server:
        assert self.sandbox is not None
        config = uvicorn.Config(
            create_app(self.sandbox),
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_keep_alive=30,
        )
        return uvicorn.Server(config)

    def start(self, timeout: float = 60.0) -> SandboxServer:
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()  # nothing half-started is left behind: thread, socket, database
            raise

    def _start(self, timeout: float) -> SandboxServer:
        self.sandbox = Sandbox(self.config)
        self._socket = self._bind()
        self._server = self._uvicorn()
        # uvicorn installs signal handlers only on the main thread, so a background server
        # leaves the host program's Ctrl-C alone.
        sock = self._socket
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="routingkit-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the sandbox server on {self.url} stopped during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sandbox server on {self.url} did not start in {timeout} s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        if self.sandbox is not None:
            self.sandbox.store.close()
            self.sandbox.store.cache.clear()
        self._server = self._thread = self._socket = None

    def serve_forever(self) -> None:
        """Foreground serving for the CLI (Ctrl-C stops it)."""
        self.sandbox = Sandbox(self.config)
        self._socket = self._bind()
        server = self._uvicorn()
        server.run(sockets=[self._socket])


@contextmanager
def running_sandbox(db_path: Path | str | None = None, **overrides: Any) -> Iterator[SandboxServer]:
    """Start a sandbox org on a free port for the duration of a ``with`` block.

    >>> with running_sandbox(tmp_path / "org.sqlite3") as org:   # doctest: +SKIP
    ...     org.url, org.config.client_id, org.config.client_secret
    """
    config = SandboxConfig(port=0)
    if db_path is not None:
        config.db_path = Path(db_path)
    config = replace(config, **overrides)
    server = SandboxServer(config).start()
    try:
        yield server
    finally:
        server.stop()
