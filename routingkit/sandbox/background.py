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

The process keeps running after Python exits, on the default database
(``~/.cache/routingkit/sandbox.sqlite3``); its log is ``sandbox.log`` beside the state file
(``~/.cache/routingkit/sandbox.url``: its URL, process id and the process's start time, so that
a process id the system has since given to another program is never signalled).
``routingkit sandbox status`` shows it (:func:`find_running`) and ``routingkit sandbox stop``
stops it (:func:`stop`). ``routingkit report``, ``demo`` and ``lab`` need none of this: without
credentials they run a sandbox for the length of the command and give its credentials to the
notebooks.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, default_db_path

DEFAULT_PORT = 8765  # what `routingkit sandbox serve` uses unless told otherwise
GRACEFUL_STOP_SECONDS = 10.0  # a sandbox stopped during its start-up, before it is killed


class SandboxStartError(RuntimeError):
    """The background sandbox did not start; the message says why and where its log is."""


class SandboxStopError(RuntimeError):
    """The sandbox org could not be stopped from here; the message says why and what to do."""


@dataclass(frozen=True)
class LocalOrg:
    """A sandbox org running on this machine: where it answers and its client credentials."""

    url: str
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = field(default=DEFAULT_CLIENT_SECRET, repr=False)
    pid: int | None = None  # the process this module started, if it did
    database: Path | None = None  # known for the one this module started
    started: dt.datetime | None = None  # when it first answered (local time), if known
    # the process's start time (/proc/<pid>/stat, clock ticks since boot), when recorded
    process_start: int | None = field(default=None, repr=False, compare=False)

    @property
    def in_background(self) -> bool:
        """Whether this module started it (and :func:`stop` can stop it)."""
        return self.pid is not None

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
    """Where the background sandbox's URL, process id and process start time are kept, one per
    machine and user (one per line; older versions wrote the first two only)."""
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


def log_file() -> Path:
    """The background sandbox's output (appended to by every start)."""
    return _cache_dir() / "sandbox.log"


def _recorded() -> LocalOrg | None:
    """The background sandbox the state file names, whether or not it still runs."""
    path = state_file()
    try:
        parts = path.read_text().split()
        url, pid = parts[0], int(parts[1]) if len(parts) > 1 else None
        process_start = int(parts[2]) if len(parts) > 2 else None
        started = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except (OSError, IndexError, ValueError):
        return None
    return LocalOrg(
        url, pid=pid, database=default_db_path(), started=started, process_start=process_start
    )


def _write_state(url: str, pid: int) -> None:
    start = _start_time(pid)
    tmp = state_file().with_suffix(".tmp")
    tmp.write_text(f"{url}\n{pid}\n" + (f"{start}\n" if start is not None else ""))
    os.replace(tmp, state_file())


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot: field 22 of /proc/<pid>/stat);
    None where that cannot be read (no /proc, or no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # the command name (field 2) is in parentheses and may hold spaces: split after it
        return int(stat[stat.rindex(")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int, start: int | None = None) -> bool:
    """Whether process ``pid`` runs (a child of ours that exited is reaped on the way) and,
    where the OS shows it, is a sandbox that started at ``start`` (when given)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process has that id now
        return False
    if _has_proc():
        state = _state(pid)
        if state is None or state in "ZX":
            return False  # gone, or exited and waiting for its parent to reap it
        if start is not None:
            # the same start time: still our process, even while it exits (its command line
            # reads empty then); another: the id was reused by a process that started later
            return _start_time(pid) == start
    return _is_sandbox_process(pid)


def _state(pid: int) -> str | None:
    """Process ``pid``'s state letter (field 3 of /proc/<pid>/stat), None if unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2 :].split()[0][:1] or None
    except (OSError, ValueError, IndexError):
        return None


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def _verified(org: LocalOrg) -> bool:
    """Whether ``org.pid`` is, beyond doubt, the process the state file recorded: same start
    time and a sandbox's command line. Only such a process is signalled."""
    return (
        org.pid is not None
        and org.process_start is not None
        and _has_proc()
        and _start_time(org.pid) == org.process_start
        and _is_sandbox_process(org.pid)
    )


def _is_sandbox_process(pid: int) -> bool:
    """Where the OS shows command lines (/proc): whether ``pid`` is a routingkit sandbox, so that
    a process id reused by another program is never signalled."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():
        return True  # no /proc: the state file and the answering URL are all there is
    try:
        words = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return b"routingkit.cli" in words and b"sandbox" in words and b"serve" in words


def find_running() -> LocalOrg | None:
    """The sandbox org already running here with the default client: the one this module
    started (state file), else one on 127.0.0.1:8765; None when neither answers.

    Only the one this module started has a ``pid`` (and ``database`` and ``started``); one on
    8765 without them is a ``routingkit sandbox serve`` someone runs in a terminal.
    """
    recorded = _recorded()
    if (
        recorded is not None
        and recorded.pid is not None
        and not _alive(recorded.pid, recorded.process_start)
    ):
        recorded = None  # what answers at its URL now is not the process it names
    if recorded is not None and _answers(recorded.url):
        return recorded
    default = f"http://127.0.0.1:{DEFAULT_PORT}"
    return LocalOrg(default) if _answers(default) else None


def unresponsive() -> LocalOrg | None:
    """The background sandbox when its process runs but its URL does not answer (hung: its log
    may say why); None otherwise."""
    recorded = _recorded()
    if recorded is None or recorded.pid is None or not _alive(recorded.pid, recorded.process_start):
        return None
    return None if _answers(recorded.url) else recorded


def stop(*, timeout: float = 15.0) -> LocalOrg | None:
    """Stop the background sandbox org :func:`start` started; return it, or None when none runs.

    It gets SIGTERM (a graceful shutdown of at most a few seconds), then SIGKILL after
    ``timeout`` seconds; the state file goes with it. Raises :class:`SandboxStopError` when
    the sandbox that runs was not started here (``routingkit sandbox serve`` in a terminal: it
    is stopped there).
    """
    running = unresponsive() or find_running()  # one that hangs is stopped all the same
    if running is None:
        state_file().unlink(missing_ok=True)  # a stale record of one that died
        return None
    if running.pid is None:
        raise SandboxStopError(
            f"the sandbox org at {running.url} was not started in the background (it is a "
            "'routingkit sandbox serve' running in a terminal): stop it there with Ctrl-C"
        )
    if not _verified(running):
        why = (
            "its state file does not record the process's start time (written by an older "
            "routingkit)"
            if running.process_start is None
            else "this system does not show process start times (/proc)"
        )
        raise SandboxStopError(
            f"cannot verify that process {running.pid} is the background sandbox org at "
            f"{running.url}: {why}; nothing was signalled. Check that process {running.pid} is "
            f"'routingkit sandbox serve', stop it with 'kill {running.pid}', then delete "
            f"{state_file()}"
        )
    with contextlib.suppress(ProcessLookupError):
        os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(running.pid, running.process_start):
        if time.monotonic() > deadline:
            if _verified(running):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(running.pid, signal.SIGKILL)
            if not _wait_gone(running.pid, running.process_start, 5.0):
                raise SandboxStopError(
                    f"the sandbox org at {running.url} (process {running.pid}) did not stop; "
                    f"see {log_file()}"
                )
            break
        time.sleep(0.05)
    state_file().unlink(missing_ok=True)
    return running


def _wait_gone(pid: int, start: int | None, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid, start):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start(*, timeout: float = 120.0) -> LocalOrg:
    """Start ``routingkit sandbox serve`` as a detached process; return it once it answers.

    Seeding a new database (first start) takes a few seconds. Raises
    :class:`SandboxStartError` if the process exits or does not answer within ``timeout``.
    """
    port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    url = f"http://127.0.0.1:{port}"
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    log = log_file()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ROUTINGKIT_SANDBOX")}
    serve = ["sandbox", "serve", "--port", str(port), "--db", str(default_db_path())]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "routingkit.cli", *serve],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=environment,
        )
    try:
        _write_state(url, process.pid)  # from now on 'routingkit sandbox stop' finds it
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if process.poll() is not None:
                raise SandboxStartError(
                    f"the sandbox org exited during start-up (code {process.returncode}); see {log}"
                )
            if time.monotonic() > deadline:
                raise SandboxStartError(
                    f"the sandbox org did not start within {timeout:.0f} s; see {log}"
                )
            time.sleep(0.2)
        _write_state(url, process.pid)  # again: its time is when it first answered
    except BaseException:  # Ctrl-C, an error, or no answer: no orphan is left running
        _end(process)
        state_file().unlink(missing_ok=True)
        raise
    return LocalOrg(
        url,
        pid=process.pid,
        database=default_db_path(),
        started=dt.datetime.now(),
        process_start=_start_time(process.pid),
    )


def _end(process: subprocess.Popen[bytes]) -> None:
    """Stop a sandbox process this module started and wait for it: SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=GRACEFUL_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def ensure_running(*, timeout: float = 120.0) -> LocalOrg:
    """A sandbox org running here: the one already running (:func:`find_running`), else a new
    background one (:func:`start`)."""
    return find_running() or start(timeout=timeout)
