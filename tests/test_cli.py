"""The routingkit command, run as a user runs it: a subprocess of the installed entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_lab_serves_jupyterlab_on_the_notebooks(tmp_path: Path) -> None:
    import os
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_ACCESS_TOKEN",
    ):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "routingkit.cli", "lab", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert "JupyterLab on" in first and "sandbox org" in first
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/lab")
                break
            except httpx.ConnectError:
                assert proc.poll() is None, "routingkit lab exited early"
                assert time.monotonic() < deadline, "JupyterLab never answered"
                time.sleep(0.2)
        assert answer.status_code in (200, 302)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
