"""``routingkit report`` runs clean: stage lines and bars on stderr, nothing else; Ctrl-C stops
it quietly; a notebook writes to the same ``reports/latest`` from the command line as from Lab."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbformat
import psutil
import pytest

from routingkit.cli import _build_parser
from routingkit.demo import DEMO_NOTEBOOKS, NOTEBOOKS_DIR
from routingkit.report import declared_parameters
from routingkit.report.runner import DEFAULT_OUTPUT_DIR
from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """A two-day sandbox org; its database doubles as the one a report without credentials
    starts (copied into that report's cache, so no test waits for seeding)."""
    db = tmp_path_factory.mktemp("org") / "org.sqlite3"
    with running_sandbox(db, days=2) as server:
        yield server


def _environment(home: Path, org: SandboxServer | None) -> dict[str, str]:
    """No profile and no credentials, unless ``org``'s; a cache of its own (with a seeded
    sandbox database in it when there are no credentials)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "JUPYTER"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    if org is not None:
        env.update(
            GENESYSCLOUD_OAUTHCLIENT_ID=org.config.client_id,
            GENESYSCLOUD_OAUTHCLIENT_SECRET=org.config.client_secret,
            GENESYSCLOUD_REGION=org.url,
        )
    return env


def _notebook(path: Path, *cells: str, parameters: str = 'output_dir = "out"') -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    for cell in cells:
        make = nbformat.v4.new_markdown_cell if cell.startswith("#") else nbformat.v4.new_code_cell
        nb.cells.append(make(cell))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path)
    return path


BARS = (
    "## Fetching",
    "import os, time\n"
    "from tqdm.auto import tqdm\n"
    "from routingkit.report import record_figures\n"
    "for _ in tqdm(range(8), desc='fetch', unit='query', leave=False):\n"
    "    time.sleep(0.06)\n"
    "record_figures(output_dir, cwd=os.getcwd())",
)


@pytest.fixture(scope="module")
def on_a_terminal(
    tmp_path_factory: pytest.TempPathFactory, org: SandboxServer
) -> dict[str, object]:
    """``routingkit report`` with stderr on a terminal (80 columns), started in a workspace
    folder without --output-dir, on a notebook whose kernel shows a tqdm.auto bar."""
    workspace = tmp_path_factory.mktemp("workspace")
    notebook = _notebook(workspace / "bars.ipynb", *BARS)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "routingkit.cli", "report", str(notebook)],
        cwd=workspace,
        env=_environment(workspace, org),
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
    )
    os.close(follower)
    seen = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the command exited
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    stdout, _ = process.communicate(timeout=30)
    return {
        "status": process.returncode,
        "terminal": seen.decode(errors="replace"),
        "stdout": stdout.decode(),
        "workspace": workspace,
    }


def test_on_a_terminal_the_kernels_progress_bar_is_drawn_with_its_counts(
    on_a_terminal: dict[str, object],
) -> None:
    terminal = str(on_a_terminal["terminal"])
    assert on_a_terminal["status"] == 0, terminal
    assert "bars: running" in terminal
    assert re.search(r"fetch: +100%\|[^\r\n]*\| 8/8 ", terminal), terminal  # the tqdm twin
    assert re.search(r"\| [1-7]/8 ", terminal)  # drawn as it went, not only at the end
    assert "query/s" in terminal and "\r" in terminal
    assert re.search(r"bars: report written: \S+bars\.html", terminal)
    assert "Traceback" not in terminal and "WARNING" not in terminal


def test_a_notebook_run_from_the_command_line_writes_to_reports_latest_of_its_folder(
    on_a_terminal: dict[str, object],
) -> None:
    workspace = Path(str(on_a_terminal["workspace"])).resolve()
    latest = workspace / DEFAULT_OUTPUT_DIR
    summary = json.loads((latest / "bars.summary.json").read_text())
    assert summary["figures"]["cwd"] == str(workspace)  # the kernel worked where Lab's do
    assert str(latest / "bars.html") in str(on_a_terminal["stdout"])


def test_reports_go_to_one_default_folder_from_lab_and_from_the_command_line() -> None:
    for name in DEMO_NOTEBOOKS:
        default = declared_parameters(NOTEBOOKS_DIR / name)["output_dir"]["default"]
        assert default.strip("\"'") == str(DEFAULT_OUTPUT_DIR), name
    args = _build_parser().parse_args(["report", "x.ipynb"])
    assert args.output_dir == DEFAULT_OUTPUT_DIR
    assert _build_parser().parse_args(["demo"]).output_dir == DEFAULT_OUTPUT_DIR.parent


def test_a_real_report_writes_stage_lines_and_nothing_else_to_stderr(
    tmp_path: Path, org: SandboxServer
) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "routingkit.cli",
            "report",
            str(NOTEBOOKS_DIR / "01_history.ipynb"),
            "-p",
            "days",
            "1",
            "-p",
            "queues",
            '["Support - Voice"]',
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=_environment(tmp_path, org),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    # Nightly logs get plain lines: no warnings (the kernel's "running over TCP without
    # encryption" among them), no carriage-return bar frames, only what runs and what was written.
    said = result.stderr
    assert "\r" not in said
    assert all(line.startswith("01_history: ") for line in lines), said
    assert lines[0] == "01_history: running (days=1, queues=['Support - Voice'])", said
    assert re.fullmatch(r"01_history: analytics: 1/1 query in [\d.]+ s", lines[1]), said
    written = f"01_history: report written: {out.resolve()}/01_history.html ("
    assert lines[-1].startswith(written) and lines[-1].endswith("; 1 queue, 1 day)"), said
    html = (out / "01_history.html").read_text()
    assert "%|" not in html and "query/s" not in html  # no bar frames in the report either


@pytest.mark.parametrize(
    ("signal_number", "status", "last_line"),
    [
        (signal.SIGINT, 130, "routingkit report: interrupted"),
        (signal.SIGTERM, 143, "routingkit report: interrupted"),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_stops_a_report_quietly_with_its_kernel_and_sandbox(
    tmp_path: Path, org: SandboxServer, signal_number: int, status: int, last_line: str
) -> None:
    cache = tmp_path / "cache" / "routingkit"
    cache.mkdir(parents=True)
    shutil.copy(org.config.db_path, cache / "sandbox.sqlite3")  # no credentials: its own org
    started = tmp_path / "kernel.json"
    notebook = _notebook(
        tmp_path / "waits.ipynb",
        "import json, os, time\n"
        f"open({str(started)!r}, 'w').write(json.dumps("
        "{'pid': os.getpid(), 'url': os.environ['GENESYSCLOUD_REGION']}))\n"
        "time.sleep(120)",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "routingkit.cli", "report", str(notebook)],
        cwd=tmp_path,
        env=_environment(tmp_path, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() or not started.read_text():
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the notebook's cell never started"
            time.sleep(0.05)
        kernel = json.loads(started.read_text())
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert stderr.rstrip().endswith(last_line)
    assert not _running(kernel["pid"]), "the kernel outlived the command"
    with pytest.raises(httpx.TransportError):  # the sandbox org it started is gone too
        httpx.post(f"{kernel['url']}/oauth/token", timeout=2)
    latest = tmp_path / DEFAULT_OUTPUT_DIR
    assert not (latest / "waits.html").exists() and not (latest / "waits.summary.json").exists()
    staging = [p for p in tmp_path.rglob("*") if ".running-" in p.name]
    assert not staging, f"staging folders left behind: {staging}"


def _running(pid: int, within: float = 5.0) -> bool:
    """Whether ``pid`` still runs after ``within`` seconds (a killed process may take a moment
    to be reaped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False  # exited, waiting to be reaped by its parent
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.05)
    return True
