"""The routingkit command, run as a user runs it: a subprocess of the installed entry point."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from routingkit.capacity import required_agents
from routingkit.policy import CapacityPlan, predicted_service, read_workload
from routingkit.staffing_table import SAMPLE_WORKLOAD, staff_workload


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routingkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_staffing_prints_a_table_for_the_sample_day() -> None:
    result = _run("staffing")
    assert result.returncode == 0, result.stderr
    assert "erlang_c" in result.stdout and "rostered" in result.stdout
    assert "no abandon cap, no occupancy cap" in result.stdout  # the defaults, visible
    week, _, _ = read_workload(SAMPLE_WORKLOAD)
    for queue in week["queue_name"].unique():
        assert f"{queue} / " in result.stdout
        assert "80% in 20 s (default)" in result.stdout


def test_staffing_meets_the_goal_it_states() -> None:
    plan, capacity = staff_workload()
    predicted = predicted_service(plan, plan["erlang_a"])
    busy = plan["arrival_rate"] > 0
    assert (predicted.loc[busy, "service_level"] >= plan.loc[busy, "goal_service_level"]).all()
    busiest = plan["arrival_rate"].idxmax()
    row = plan.loc[busiest]
    assert row["erlang_c"] == required_agents(
        row["arrival_rate"] * row["aht_seconds"], row["aht_seconds"], 20, 0.8
    )
    assert capacity.interval_seconds == 1800


def test_staffing_writes_the_capacity_plan(tmp_path: Path) -> None:
    result = _run(
        "staffing", "--goal-for", "Support - Voice", "90% in 15s", "--output-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    plan = CapacityPlan.load(tmp_path)
    support = next(q for q in plan.queues if q.queue_name == "Support - Voice")
    assert str(support.goal) == "90% in 15 s" and support.goal.source == "override"
    assert plan.org is None  # a workload file names no org: this plan cannot be deployed as is


def test_staffing_names_the_bad_row(tmp_path: Path) -> None:
    bad = tmp_path / "workload.csv"
    bad.write_text(
        "queue,interval_start,offered,aht_seconds,patience_seconds\n"
        "Q,08:00,10,300,120\n"
        "Q,08:30,12,-5,120\n"
    )
    result = _run("staffing", "--workload", str(bad))
    assert result.returncode == 2
    assert "line 3: aht_seconds is -5" in result.stderr


def test_staffing_names_a_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "workload.csv"
    bad.write_text("queue,interval_start,offered\nQ,08:00,10\n")
    result = _run("staffing", "--workload", str(bad))
    assert result.returncode == 2
    assert "missing column(s) aht_seconds" in result.stderr


def test_staffing_refuses_a_header_only_file(tmp_path: Path) -> None:
    empty = tmp_path / "workload.csv"
    empty.write_text("queue,interval_start,offered,aht_seconds\n")
    result = _run("staffing", "--workload", str(empty))
    assert result.returncode == 2
    assert "no rows" in result.stderr and "Empty DataFrame" not in result.stdout


def test_staffing_names_a_bad_option() -> None:
    result = _run("staffing", "--max-occupancy", "1.5")
    assert result.returncode == 2
    assert "--max-occupancy" in result.stderr


@dataclass
class Lab:
    process: subprocess.Popen[str]
    url: str
    workspace: Path
    first_line: str

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={"Authorization": f"token {LAB_TOKEN}"})


LAB_TOKEN = "a-token-for-this-test"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``routingkit lab`` as an analyst starts it: in a folder of their own, no credentials."""
    workspace = tmp_path_factory.mktemp("workspace")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "JUPYTER"))}
    env.update(
        HOME=str(workspace / "home"),
        XDG_CACHE_HOME=str(workspace / "cache"),
        JUPYTER_TOKEN=LAB_TOKEN,
    )
    # the port asked for or none: a port taken meanwhile fails here, not on another port
    config = workspace / "home" / ".jupyter"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text('{"ServerApp": {"port_retries": 0}}')
    log = (workspace / "lab.log").open("w")  # a file, not a pipe: Lab logs plenty to stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "routingkit.cli", "lab", "--port", str(port)],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        started = Lab(process, f"http://127.0.0.1:{port}", workspace, first)
        deadline = time.monotonic() + 90
        while True:
            try:
                started.get("/api/status")
                break
            except httpx.ConnectError:
                assert process.poll() is None, "routingkit lab exited early"
                assert time.monotonic() < deadline, "JupyterLab never answered"
                time.sleep(0.2)
        yield started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def test_lab_serves_the_notebooks_and_the_reports_side_by_side(lab: Lab) -> None:
    assert lab.first_line.startswith(f"JupyterLab on {lab.workspace.resolve()}")
    assert "sandbox org" in lab.first_line
    root = {item["name"] for item in lab.get("/api/contents").json()["content"]}
    assert {"notebooks", "reports"} <= root
    notebooks = lab.get("/api/contents/notebooks").json()["content"]
    assert {"01_history.ipynb", "02_staffing.ipynb"} <= {n["name"] for n in notebooks}


def test_lab_kernels_work_in_the_workspace_where_reports_latest_is(lab: Lab) -> None:
    """So a notebook's default output_dir is the workspace's reports/latest, as from the
    command line started there."""
    import psutil

    answer = httpx.post(
        f"{lab.url}/api/sessions",
        headers={"Authorization": f"token {LAB_TOKEN}"},
        json={"path": "notebooks/01_history.ipynb", "type": "notebook", "name": "",
              "kernel": {"name": "python3"}},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    kernel_id = answer.json()["kernel"]["id"]

    def kernel() -> psutil.Process | None:
        for child in psutil.Process(lab.process.pid).children(recursive=True):
            if any(kernel_id in part for part in child.cmdline()):
                return child
        return None

    deadline = time.monotonic() + 30
    while (found := kernel()) is None:
        assert time.monotonic() < deadline, "no kernel process"
        time.sleep(0.1)
    assert Path(found.cwd()) == lab.workspace.resolve()


def test_ctrl_c_stops_lab_with_its_kernels_quietly(lab: Lab) -> None:
    import psutil

    started = psutil.Process(lab.process.pid).children(recursive=True)
    assert started, "JupyterLab is not running"
    lab.process.send_signal(signal.SIGINT)
    assert lab.process.wait(timeout=60) == 130
    stderr = (lab.workspace / "lab.log").read_text()
    assert "Traceback" not in stderr, stderr
    assert "without encryption" not in stderr
    _, alive = psutil.wait_procs(started, timeout=10)
    assert not alive, f"still running after lab: {[p.cmdline() for p in alive]}"


def test_a_second_signal_does_not_cut_labs_shutdown_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arriving while JupyterLab is being stopped waits until it is stopped (here:
    killed, as it ignores SIGTERM), then ends the command."""
    from routingkit import lab
    from routingkit.signals import Stopped

    assert issubclass(Stopped, BaseException) and not issubclass(Stopped, Exception)
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
        terminate = stubborn.terminate

        def terminate_then_ctrl_c() -> None:
            terminate()
            os.kill(os.getpid(), signal.SIGINT)  # the impatient second Ctrl-C

        monkeypatch.setattr(stubborn, "terminate", terminate_then_ctrl_c)
        monkeypatch.setattr(lab, "STOP_SECONDS", 0.5)
        with pytest.raises(KeyboardInterrupt):
            lab._stop(stubborn)  # type: ignore[arg-type]
        assert stubborn.poll() == -signal.SIGKILL, "JupyterLab was left running"
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
        stubborn.wait()
