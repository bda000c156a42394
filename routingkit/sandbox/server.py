"""Running the sandbox: in the foreground (CLI) or in a background thread (tests, notebooks)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from .config import ADMIN_SECRET_HEADER, SandboxConfig
from .dblock import hold_shared
from .gateway import Gateway
from .service import Sandbox, create_app

if TYPE_CHECKING:
    import httpx

# How long a stopping server waits for requests still running before it cancels them. Injected
# delays end at once when shutdown starts; this bounds everything else.
GRACEFUL_SHUTDOWN_SECONDS = 3


class _HideInjectedDrops(logging.Filter):
    """Dropped connections are the sandbox's own fault injection, not errors worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, ConnectionAbortedError) and "fault injection" in str(exc))


logging.getLogger("uvicorn.error").addFilter(_HideInjectedDrops())


class _Uvicorn(uvicorn.Server):
    """uvicorn that tells the gateway when shutdown starts, so injected delays end at once."""

    def __init__(self, config: uvicorn.Config, gateway: Gateway) -> None:
        super().__init__(config)
        self.gateway = gateway

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.gateway.begin_shutdown()  # on the server's loop, where the delays wait
        await super().shutdown(sockets)


class SandboxServer:
    """A sandbox org served over HTTP on 127.0.0.1 (or ``config.host``).

    ``start()`` seeds the database if needed, binds the port (0 picks a free one), serves in a
    background thread and returns once the server accepts connections; ``stop()`` shuts it down
    within a few seconds, whatever requests are in flight.

    The /sandbox/admin endpoints take ``config.admin_secret``, not an API token: call them with
    :meth:`admin`. Listening beyond loopback with the public default client secret is refused
    (:class:`~routingkit.sandbox.config.UnsafeBindError`).
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sandbox: Sandbox | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._db_lock: int | None = None  # shared lock on <db>.lock while this serves it
        self.port = config.port

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def admin_headers(self) -> dict[str, str]:
        """The header that opens /sandbox/admin/* on this sandbox."""
        return {ADMIN_SECRET_HEADER: self.config.admin_secret}

    def admin(
        self, method: str, endpoint: str, *, json: Any = None, timeout: float = 30.0
    ) -> httpx.Response:
        """Call ``/sandbox/admin/<endpoint>`` with the admin secret, e.g. ``admin("POST",
        "tokens/expire")`` or ``admin("PUT", "faults", json={"rules": []})``."""
        import httpx

        return httpx.request(
            method,
            f"{self.url}/sandbox/admin/{endpoint.lstrip('/')}",
            headers=self.admin_headers,
            json=json,
            timeout=timeout,
        )

    def write_admin_secret(self, path: Path) -> Path:
        """Write the admin secret to ``path``, readable by this user only (mode 0600)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.unlink(missing_ok=True)
        # created 0600 from the start: the secret is never readable by others, not even briefly
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(self.config.admin_secret + "\n")
        os.replace(partial, path)
        return path

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
        app = create_app(self.sandbox)
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        return _Uvicorn(config, app)

    def bind(self) -> SandboxServer:
        """Bind the port, then seed the database if needed; afterwards ``url`` has the real port.

        Raises ``UnsafeBindError`` before touching anything if ``config.host`` reaches beyond
        this machine while the client secret is the public default, and ``OSError`` (errno
        ``EADDRINUSE``) before touching the database when the port is taken.
        """
        self.config.check_exposure()
        self._socket = self._bind()
        try:
            # held until stop(): 'routingkit sandbox reset' leaves a database in use alone
            self._db_lock = hold_shared(self.config.db_path)
            self.sandbox = Sandbox(self.config)
        except BaseException:
            self._socket.close()
            self._socket = None
            self._release_db()
            raise
        return self

    def _release_db(self) -> None:
        if self._db_lock is not None:
            os.close(self._db_lock)
            self._db_lock = None

    def start(self, timeout: float = 60.0) -> SandboxServer:
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()  # nothing half-started is left behind: thread, socket, database
            raise

    def _start(self, timeout: float) -> SandboxServer:
        self.bind()
        self._server = self._uvicorn()
        # uvicorn installs signal handlers only on the main thread, so a background server
        # leaves the host program's Ctrl-C alone.
        sock = self._socket
        server = self._server
        assert sock is not None
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
            self._thread.join(timeout=GRACEFUL_SHUTDOWN_SECONDS + 2)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True  # stop waiting for anything still running
                self._thread.join(timeout=2)
        if self._socket is not None:
            self._socket.close()
        if self.sandbox is not None:
            self.sandbox.store.close()
            self.sandbox.store.cache.clear()
        self._release_db()
        self._server = self._thread = self._socket = None

    def serve_forever(self) -> None:
        """Foreground serving for the CLI (Ctrl-C or SIGTERM stops it, within seconds)."""
        if self._socket is None:
            self.bind()
        assert self._socket is not None
        self._server = self._uvicorn()
        self._server.run(sockets=[self._socket])


@contextmanager
def running_sandbox(db_path: Path | str | None = None, **overrides: Any) -> Iterator[SandboxServer]:
    """Start a sandbox org on a free port for the duration of a ``with`` block.

    >>> with running_sandbox(tmp_path / "org.sqlite3") as org:   # doctest: +SKIP
    ...     org.url, org.config.client_id, org.config.client_secret
    ...     org.admin("PUT", "faults", json={"rules": [{"rate": 0.2}]})
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
