"""The routingkit command, run as a user runs it: a subprocess of the installed entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from routingkit.capacity import required_agents
from routingkit.staffing_table import SAMPLE_WORKLOAD, load_workload, staffing_table


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
    assert "agents_erlang_c" in result.stdout
    assert "Peak requirement per queue" in result.stdout
    for queue in load_workload(SAMPLE_WORKLOAD)["queue"].unique():
        assert queue in result.stdout


def test_staffing_table_meets_the_goal_it_states() -> None:
    workload = load_workload(SAMPLE_WORKLOAD)
    table = staffing_table(workload)
    assert (table["sl_erlang_c"] >= 0.8 - 5e-4).all()  # rounded to 3 places in the table
    assert (table["sl_erlang_a"] >= 0.8 - 5e-4).all()
    assert (table["rostered"] >= table["agents_erlang_a"]).all()
    busiest = workload["offered"].idxmax()
    row = workload.loc[busiest]
    traffic = row["offered"] / 1800 * row["aht_seconds"]
    assert table.loc[busiest, "agents_erlang_c"] == required_agents(
        traffic, row["aht_seconds"], 20, 0.8
    )


def test_staffing_names_the_bad_row(tmp_path: Path) -> None:
    bad = tmp_path / "workload.csv"
    bad.write_text(
        "queue,interval_start,offered,aht_seconds,patience_seconds\n"
        "Q,08:00,10,300,120\n"
        "Q,08:30,12,-5,120\n"
    )
    result = _run("staffing", "--workload", str(bad))
    assert result.returncode == 2
    assert "row 3 has aht_seconds=-5" in result.stderr


def test_staffing_names_a_missing_column(tmp_path: Path) -> None:
    bad = tmp_path / "workload.csv"
    bad.write_text("queue,interval_start,offered\nQ,08:00,10\n")
    result = _run("staffing", "--workload", str(bad))
    assert result.returncode == 2
    assert "missing column(s) aht_seconds, patience_seconds" in result.stderr


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
