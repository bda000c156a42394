"""The background sandbox is visible and controllable: ``routingkit sandbox status``, ``stop``,
``reset`` (which stops it first), ``serve`` on a taken port, and Ctrl-C on ``serve``."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import served

from routingkit.cli import main
from routingkit.sandbox import background, running_sandbox


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded database to start background sandboxes on, so that none waits for seeding."""
    db = tmp_path_factory.mktemp("seeded") / "org.sqlite3"
    with running_sandbox(db, days=2):
        pass
    return db


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded: Path) -> Path:
    """A cache folder of this test's own, holding the default database; and no sandbox that a
    developer may run on 127.0.0.1:8765 is looked at."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(background, "DEFAULT_PORT", _port_nobody_serves())
    monkeypatch.setattr(background, "_port_free", lambda port: False)  # start(): a free port
    folder = tmp_path / "routingkit"
    folder.mkdir()
    shutil.copy(seeded, folder / "sandbox.sqlite3")
    return folder


@pytest.fixture()
def in_background(cache: Path) -> Iterator[background.LocalOrg]:
    org = background.start()
    try:
        yield org
    finally:
        if org.pid is not None and _alive(org.pid):
            os.kill(org.pid, signal.SIGKILL)
            os.waitpid(org.pid, 0)


def _port_nobody_serves() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again: connections to it are refused


def _alive(pid: int) -> bool:
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_status_shows_the_background_sandbox(
    in_background: background.LocalOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", "status"]) == 0
    shown = capsys.readouterr().out
    assert f"the background sandbox org is running at {in_background.url}" in shown
    assert f"process:  {in_background.pid}" in shown
    assert f"database: {background.state_file().parent / 'sandbox.sqlite3'}" in shown
    assert re.search(r"started:  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(up \d+ s\)", shown), shown
    assert "routingkit sandbox stop" in shown


def test_stop_stops_the_background_sandbox_and_status_then_says_none_runs(
    in_background: background.LocalOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", "stop"]) == 0
    assert f"stopped the background sandbox org at {in_background.url}" in capsys.readouterr().out
    assert in_background.pid is not None and not _alive(in_background.pid)
    assert not background.state_file().exists()
    assert main(["sandbox", "status"]) == 3
    assert capsys.readouterr().out.strip() == "no sandbox org is running here"
    assert main(["sandbox", "stop"]) == 0  # none runs: what was asked for holds
    assert "nothing to stop" in capsys.readouterr().out


def test_stop_leaves_a_sandbox_served_in_a_terminal_to_its_terminal(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with served(tmp_path / "org.sqlite3", "--days", "1") as serve:
        monkeypatch.setattr(background, "DEFAULT_PORT", int(serve.url.rsplit(":", 1)[1]))
        assert main(["sandbox", "stop"]) == 1
        error = capsys.readouterr().err
        assert f"the sandbox org at {serve.url} was not started in the background" in error
        assert "Ctrl-C" in error and serve.process.poll() is None


def test_a_background_sandbox_that_stopped_answering_is_shown_and_stopped(
    in_background: background.LocalOrg, capsys: pytest.CaptureFixture[str]
) -> None:
    hung_url = f"http://127.0.0.1:{_port_nobody_serves()}"
    background.state_file().write_text(f"{hung_url}\n{in_background.pid}\n")
    assert main(["sandbox", "status"]) == 1
    assert f"(process {in_background.pid}) does not answer at {hung_url}" in capsys.readouterr().out
    assert main(["sandbox", "stop"]) == 0
    assert in_background.pid is not None and not _alive(in_background.pid)


def test_reset_stops_the_background_sandbox_before_deleting_its_database(
    in_background: background.LocalOrg, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache / "sandbox.sqlite3"
    assert main(["sandbox", "reset"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said == [
        f"stopped the background sandbox org at {in_background.url} (process {in_background.pid})",
        f"removed {db}",
    ]
    assert in_background.pid is not None and not _alive(in_background.pid)
    assert not db.exists() and not background.state_file().exists()


def test_serve_on_the_background_sandboxs_port_says_how_to_stop_it(
    in_background: background.LocalOrg, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = in_background.url.rsplit(":", 1)[1]
    db = tmp_path / "other.sqlite3"
    assert main(["sandbox", "serve", "--port", port, "--db", str(db)]) == 1
    error = capsys.readouterr().err.splitlines()
    assert error == [
        f"routingkit sandbox serve: port {port} on 127.0.0.1 is in use by the background sandbox "
        f"org (process {in_background.pid}); stop it with 'routingkit sandbox stop', or serve on "
        "another --port"
    ]
    assert not db.exists()  # refused before seeding anything


def test_serve_on_a_port_another_program_holds_says_so_in_one_line(
    cache: Path, tmp_path: Path
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "routingkit.cli",
                "sandbox",
                "serve",
                "--port",
                str(port),
                "--db",
                str(tmp_path / "org.sqlite3"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"routingkit sandbox serve: port {port} on 127.0.0.1 is in use by another program; "
        "serve on another --port"
    ]


def test_ctrl_c_stops_serve_quietly_with_status_130(tmp_path: Path) -> None:
    with served(tmp_path / "org.sqlite3", "--days", "1") as serve:
        serve.process.send_signal(signal.SIGINT)
        assert serve.process.wait(timeout=30) == 130
    assert "Traceback" not in serve.printed(), serve.printed()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{serve.url}/api/v2/routing/skills", timeout=2)


def test_a_database_reset_while_served_in_a_terminal_is_refused(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache / "sandbox.sqlite3"
    with running_sandbox(db) as server:  # as 'routingkit sandbox serve' on the default port
        monkeypatch.setattr(background, "DEFAULT_PORT", server.port)
        assert main(["sandbox", "reset"]) == 1
        error = capsys.readouterr().err
        assert f"a sandbox org at {server.url} may be serving {db}" in error
        assert db.exists()
        assert httpx.get(f"{server.url}/api/v2/routing/skills", timeout=5).status_code == 401
