"""Sweeps on Dask: a LocalCluster, a scheduler and a worker started apart, a worker killed.

Each gives the table of the in-process run, to the last bit, simulation included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402
from test_sweep import week_of  # noqa: E402

from routingkit.policy import resolve_goals  # noqa: E402
from routingkit.policy.cluster import ADDRESS_VARIABLE, SchedulerError  # noqa: E402
from routingkit.policy.sweep import SweepError, scenario_grid, sweep  # noqa: E402

WEEK = week_of(12, slots=24, seed=2)
GOALS = resolve_goals(WEEK)
SCENARIOS = scenario_grid(volume=[1.0, 1.15], patience=[1.0, 0.5])
SETTINGS: dict[str, Any] = {
    "models": ("erlang_c", "erlang_a", "simulation"),
    "replications": 4,
    "seed": 3,
    "concurrency": {"message": 2},
    "detail": "interval",
    "queues_per_task": 3,
    "progress": False,
}
STARTUP_SECONDS = 60.0


@pytest.fixture(scope="module")
def in_process() -> pd.DataFrame:
    return sweep(WEEK, GOALS, SCENARIOS, **SETTINGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(ready: Callable[[], bool], what: str, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until ``ready()``; fail at once, with its log, if one of ``procs`` exits meanwhile."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not ready():
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args} exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {STARTUP_SECONDS:.0f} s")
        threading.Event().wait(0.05)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def stop(proc: subprocess.Popen[bytes]) -> None:
    """The process and its children (a worker's nanny starts one), however it is doing."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def scheduler_apart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` and ``dask worker`` as processes of their own, on loopback ports."""
    logs = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        with open(logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "dask", name, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )
        started.append(proc)
        return proc

    try:
        scheduler = start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        wait_until(lambda: listening(port), "a scheduler listening", [scheduler])
        worker = start(
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
        )
        with distributed.Client(address, timeout="30s") as client:
            wait_until(
                lambda: len(client.scheduler_info(n_workers=-1)["workers"]) >= 1,
                "a worker joining the scheduler",
                [scheduler, worker],
            )
        yield address
    except BaseException:
        for log in sorted(logs.iterdir()):
            sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}\n")
        raise
    finally:
        for proc in reversed(started):
            stop(proc)


@pytest.fixture()
def local_client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_a_local_cluster_of_two_worker_processes_gives_the_in_process_table(
    in_process: pd.DataFrame,
) -> None:
    on_cluster = sweep(WEEK, GOALS, SCENARIOS, scheduler="local", workers=2, **SETTINGS)
    pd.testing.assert_frame_equal(on_cluster, in_process, check_exact=True)
    # scenarios grouped three to a task on the cluster: the same table
    grouped = sweep(
        WEEK, GOALS, SCENARIOS, scheduler="local", workers=2, scenarios_per_task=3, **SETTINGS
    )
    pd.testing.assert_frame_equal(grouped, in_process, check_exact=True)


def test_a_scheduler_and_worker_started_apart_give_the_in_process_table(
    scheduler_apart: str, in_process: pd.DataFrame
) -> None:
    remote = sweep(WEEK, GOALS, SCENARIOS, scheduler=scheduler_apart, **SETTINGS)
    pd.testing.assert_frame_equal(remote, in_process, check_exact=True)


def test_dask_scheduler_address_sends_the_sweep_to_that_scheduler(
    scheduler_apart: str, in_process: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADDRESS_VARIABLE, scheduler_apart)
    with distributed.Client(scheduler_apart) as client, distributed.get_task_stream(client) as ran:
        remote = sweep(WEEK, GOALS, SCENARIOS, **SETTINGS)
    assert sum(str(task["key"]).startswith("sweep-") for task in ran.data) >= 16
    pd.testing.assert_frame_equal(remote, in_process, check_exact=True)


# Tasks of ~0.3 s each (busy queues, many replications), so that a task is still running when
# its worker is killed.
BUSY = week_of(8, slots=48, seed=3).assign(arrival_rate=lambda w: w["arrival_rate"] * 30)
BUSY_SETTINGS: dict[str, Any] = {
    "models": ("simulation",),
    "replications": 40,
    "seed": 9,
    "detail": "interval",
    "queues_per_task": 2,
    "progress": False,
}
BUSY_SCENARIOS = [{"scenario": "base"}, {"scenario": "busier", "volume": 1.1}]


def kill_a_busy_worker(client: Any, sweep_running: threading.Thread) -> list[str]:
    """SIGKILL a worker process while it runs sweep tasks; the tasks it was running."""
    pids: dict[str, int] = client.run(os.getpid)
    busy: dict[str, list[str]] = {}

    def running() -> bool:
        busy.update(
            {
                worker: [str(k) for k in keys if str(k).startswith("sweep-")]
                for worker, keys in client.processing().items()
            }
        )
        return any(keys and worker in pids for worker, keys in busy.items())

    deadline = time.monotonic() + STARTUP_SECONDS
    while not running():
        assert sweep_running.is_alive(), "the sweep ended before a worker could be killed"
        assert time.monotonic() < deadline, "no worker ran a sweep task"
        threading.Event().wait(0.02)
    victim = next(worker for worker, keys in busy.items() if keys and worker in pids)
    assert sweep_running.is_alive()
    os.kill(pids[victim], signal.SIGKILL)
    return busy[victim]


def run_in_thread(work: Callable[[], pd.DataFrame]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["table"] = work()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def test_a_worker_killed_during_a_sweep_leaves_the_table_unchanged(local_client: Any) -> None:
    expected = sweep(BUSY, resolve_goals(BUSY), BUSY_SCENARIOS, **BUSY_SETTINGS)
    thread, outcome = run_in_thread(
        lambda: sweep(
            BUSY, resolve_goals(BUSY), BUSY_SCENARIOS, scheduler=local_client, **BUSY_SETTINGS
        )
    )
    lost = kill_a_busy_worker(local_client, thread)
    thread.join(timeout=180)
    assert lost and not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    pd.testing.assert_frame_equal(outcome["table"], expected, check_exact=True)


def test_a_sweep_whose_worker_dies_past_the_retries_names_the_lost_work() -> None:
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        thread, outcome = run_in_thread(
            lambda: sweep(
                BUSY, resolve_goals(BUSY), BUSY_SCENARIOS, scheduler=client, **BUSY_SETTINGS
            )
        )
        kill_a_busy_worker(client, thread)
        thread.join(timeout=180)
    assert not thread.is_alive() and "table" not in outcome
    error = outcome["error"]
    assert isinstance(error, SweepError), error
    assert "the sweep lost its workers" in str(error)
    assert "die while running it" in str(error) and "Unfinished: scenario '" in str(error)


def test_an_unreachable_scheduler_is_named_with_what_to_do() -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(SchedulerError, match="start one with `dask scheduler`") as caught,
    ):
        sweep(WEEK, GOALS, scheduler=address, progress=False)
    assert f"cannot reach the Dask scheduler '{address}' (from the scheduler argument)" in str(
        caught.value
    )
