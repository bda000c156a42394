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
import psutil
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
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


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
    start = background.state_file().read_text().split()[2]  # the process's start time
    background.state_file().write_text(f"{hung_url}\n{in_background.pid}\n{start}\n")
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


def test_reset_refuses_while_a_sandbox_of_any_kind_uses_the_database(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An in-process sandbox on a random port (as lab, report and demo run) is neither the
    background one nor on the default port; reset still leaves its database alone."""
    db = tmp_path / "busy.sqlite3"
    with running_sandbox(db, days=1) as server:
        assert main(["sandbox", "reset", "--db", str(db)]) == 1
        error = capsys.readouterr().err.splitlines()
        assert len(error) == 1 and f"{db} is in use by a running sandbox org" in error[0], error
        assert "routingkit sandbox stop" in error[0] and "Ctrl-C" in error[0]
        assert db.exists() and Path(f"{db}-wal").exists()
        assert httpx.get(f"{server.url}/api/v2/routing/skills", timeout=5).status_code == 401
        with running_sandbox(db):  # several servers may share one database
            assert main(["sandbox", "reset", "--db", str(db)]) == 1
        assert main(["sandbox", "reset", "--db", str(db)]) == 1  # the first still serves it
        capsys.readouterr()
    assert main(["sandbox", "reset", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"removed {db}"]
    assert not db.exists() and not Path(f"{db}-wal").exists()
    assert not Path(f"{db}.lock").exists()


def test_a_sandbox_can_start_on_a_database_just_reset(cache: Path, tmp_path: Path) -> None:
    db = tmp_path / "again.sqlite3"
    with running_sandbox(db, days=1):
        pass
    assert main(["sandbox", "reset", "--db", str(db)]) == 0
    with running_sandbox(db, days=1):
        assert main(["sandbox", "reset", "--db", str(db)]) == 1
    assert db.exists()


@pytest.fixture()
def lookalike() -> Iterator[subprocess.Popen[bytes]]:
    """A live process that is not the background sandbox, though its command line reads like
    one (as a process id the system handed on might)."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "routingkit.cli", "sandbox", "serve"]
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("recorded", ["no start time", "another start time"])
def test_stop_never_signals_a_process_it_cannot_verify(
    cache: Path,
    lookalike: subprocess.Popen[bytes],
    recorded: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{_port_nobody_serves()}"
    start = background._start_time(lookalike.pid)
    assert start is not None
    state = f"{url}\n{lookalike.pid}\n"
    if recorded == "another start time":
        state += f"{start - 1}\n"  # the pid was reused by a process that started later
    background.state_file().write_text(state)
    status = main(["sandbox", "stop"])
    said = capsys.readouterr()
    if recorded == "no start time":
        assert status == 1
        assert f"cannot verify that process {lookalike.pid}" in said.err, said
        assert f"kill {lookalike.pid}" in said.err
    else:
        assert status == 0 and "nothing to stop" in said.out, said
    assert lookalike.poll() is None and _alive(lookalike.pid), "an unrelated process was signalled"


def test_sigterm_stops_serve_quietly_with_status_143_and_removes_its_secret(
    tmp_path: Path,
) -> None:
    db = tmp_path / "org.sqlite3"
    with served(db, "--days", "1") as serve:
        secret_file = serve.admin_secret_file()
        assert secret_file.exists()
        serve.process.send_signal(signal.SIGTERM)
        assert serve.process.wait(timeout=30) == 143
    assert "Traceback" not in serve.printed(), serve.printed()
    assert not secret_file.exists()  # the secret it wrote goes with it
    assert db.exists()
    assert main(["sandbox", "reset", "--db", str(db)]) == 0  # nothing holds the database now


def test_an_interrupted_background_start_leaves_no_sandbox_running(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []

    def interrupted(url: str) -> bool:
        seen.append(int(background.state_file().read_text().split()[1]))  # recorded already
        raise KeyboardInterrupt

    monkeypatch.setattr(background, "_answers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        background.start()
    assert seen, "start() never waited for the sandbox to answer"
    try:
        assert not _alive(seen[0]), "the sandbox process outlived an interrupted start"
        assert not background.state_file().exists()
    finally:
        if _alive(seen[0]):
            os.kill(seen[0], signal.SIGKILL)
