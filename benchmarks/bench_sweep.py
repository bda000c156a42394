"""Scenario sweep benchmark: in-process against a LocalCluster of 1 and 2 worker processes.

Run from the repository root with the project's environment (Dask is the ``routingkit[dask]``
extra): ``.venv/bin/python benchmarks/bench_sweep.py``. Prints figures and ratios measured in
the same run; asserts nothing but that every run gives the same table, because these machines
are shared and noisy.

* formulas: 500 queues x 96 intervals x 100 scenarios (Erlang C and A, 4.8 million
  queue-intervals, about 30 s in one process here, as the issue asks);
* simulation: 100 queues x 96 intervals x 20 scenarios x 30 replications (Erlang A, then the
  simulation's corrections).

For each: the time in this process, on 1 and on 2 worker processes (the cluster started
beforehand and warmed up: start-up is printed apart), the speed-up of 2 workers over this
process (goal >= 1.8x on 2 cores) and the overhead per task, (1 worker - in-process) / tasks
(goal <= 5 ms), with Dask's own cost per task measured on tasks that do nothing. Times are
the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from routingkit.policy import resolve_goals
from routingkit.policy.cluster import dask_client
from routingkit.policy.sweep import _scenarios_per_task, scenario_grid, sweep


def week_of(queues: int, slots: int, *, seed: int = 1) -> pd.DataFrame:
    """A day of ``slots`` 15-minute intervals per queue: voice and message, some impatient."""
    rng = np.random.default_rng(seed)
    slot = np.arange(slots)
    shape = 0.2 + np.exp(-(((slot - slots * 0.45) / (slots * 0.2)) ** 2))
    frames = [
        pd.DataFrame(
            {
                "queue_id": f"q{q:04d}",
                "queue_name": f"Queue {q}",
                "media_type": "message" if q % 4 == 0 else "voice",
                "weekday": 0,
                "slot": slot,
                "slot_minute": slot * 15,
                "interval_seconds": 900,
                "arrival_rate": rng.uniform(0.005, 0.15) * shape,
                "aht_seconds": rng.uniform(120.0, 600.0),
                "patience_seconds": np.inf if q % 3 == 0 else rng.uniform(60.0, 300.0),
            }
        )
        for q in range(queues)
    ]
    return pd.concat(frames, ignore_index=True)


@dataclass
class Run:
    """The best wall time of a few runs, and the CPU seconds that run used in every process."""

    wall: float
    cpu: float
    table: pd.DataFrame


def timed(work: Any, repeat: int, client: Any = None) -> Run:
    """The best of ``repeat`` runs (the machine is shared), with its CPU time here and on the
    workers: CPU seconds are what other jobs on the machine disturb least."""
    best: Run | None = None
    for _ in range(repeat):
        workers = client.run(time.process_time) if client is not None else {}
        cpu, start = time.process_time(), time.perf_counter()
        table = work()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if client is not None:
            after = client.run(time.process_time)
            cpu += sum(after[w] - workers[w] for w in after if w in workers)
        if best is None or wall < best.wall:
            best = Run(wall, cpu, table)
    assert best is not None
    return best


def noop(i: int) -> int:
    return i


def dask_overhead(client: Any, count: int = 2000) -> float:
    """Milliseconds per task of Dask itself: ``count`` tasks that do nothing, round trip."""
    client.gather(client.map(noop, range(100), pure=False))
    start = time.perf_counter()
    client.gather(client.map(noop, range(count), pure=False))
    return (time.perf_counter() - start) / count * 1000


def compare(
    label: str, week: pd.DataFrame, scenarios: pd.DataFrame, repeat: int, **settings: Any
) -> None:
    goals = resolve_goals(week)
    settings = {"concurrency": {"message": 2}, "progress": False, **settings}
    small = week[week["queue_id"].isin(week["queue_id"].unique()[:4])]
    sweep(small, goals, scenarios.iloc[:2], **settings)  # imports and compiled kernels, here
    here = timed(lambda: sweep(week, goals, scenarios, **settings), repeat)
    size = settings.get("queues_per_task") or (10 if "simulation" in settings["models"] else 250)
    queues = week.groupby(["queue_id", "media_type"]).ngroups
    blocks = -(-queues // size)
    load = os.getloadavg()[0]
    print(f"\n{label}: {queues} queues x {week['slot'].nunique()} intervals x {len(scenarios)} "
          f"scenarios = {blocks * len(scenarios)} partitions of {size} queues "
          f"(load average {load:.1f})")  # fmt: skip
    print(f"  in-process:                {here.wall:7.2f} s  (CPU {here.cpu:6.2f} s)")
    runs: dict[int, Run] = {}
    bare: dict[int, float] = {}
    tasks: dict[int, int] = {}
    for workers in (1, 2):
        # the sweep's own grouping of scenarios into tasks for this many worker threads
        per_task = _scenarios_per_task(len(scenarios), blocks, workers)
        tasks[workers] = blocks * -(-len(scenarios) // per_task)
        start = time.perf_counter()
        with dask_client("local", workers=workers) as client:
            client.wait_for_workers(workers)
            started = time.perf_counter() - start
            sweep(small, goals, scenarios.iloc[:2], scheduler=client, **settings)  # warm workers
            bare[workers] = dask_overhead(client)
            runs[workers] = timed(
                lambda client=client: sweep(week, goals, scenarios, scheduler=client, **settings),
                repeat,
                client,
            )
        pd.testing.assert_frame_equal(runs[workers].table, here.table, check_exact=True)
        print(f"  LocalCluster, {workers} worker(s):  {runs[workers].wall:7.2f} s  (CPU "
              f"{runs[workers].cpu:6.2f} s in all processes; {tasks[workers]} tasks of "
              f"{per_task} scenario(s); start-up {started:.1f} s apart; table identical to "
              "in-process)")  # fmt: skip
    one, two = runs[1], runs[2]
    print(f"  speed-up, 2 workers over in-process: {here.wall / two.wall:.2f}x (goal >= 1.8x); "
          f"2 workers over 1: {one.wall / two.wall:.2f}x")  # fmt: skip
    print(f"  overhead per task, (1 worker - in-process) / tasks: wall "
          f"{(one.wall - here.wall) / tasks[1] * 1000:.1f} ms, CPU "
          f"{(one.cpu - here.cpu) / tasks[1] * 1000:.1f} ms (goal <= 5 ms)")  # fmt: skip
    print(f"  Dask's own per task (no-op tasks): {bare[1]:.2f} ms (1 worker), {bare[2]:.2f} ms (2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--intervals", type=int, default=96)
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--sim-queues", type=int, default=100)
    parser.add_argument("--sim-scenarios", type=int, default=20)
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=2, help="best of (default 2)")
    args = parser.parse_args()

    def grid(count: int) -> pd.DataFrame:
        table = scenario_grid(
            volume=[0.9, 1.0, 1.1, 1.2, 1.3],
            aht=[0.9, 1.0, 1.1, 1.2],
            shrinkage=[0.3, 0.35],
            patience=[1.0, 0.8, 1.25],
        )
        return table.iloc[:count].reset_index(drop=True)

    compare(
        "formulas (Erlang C and A)",
        week_of(args.queues, args.intervals),
        grid(args.scenarios),
        args.repeat,
        models=("erlang_c", "erlang_a"),
    )
    compare(
        f"simulation ({args.replications} replications)",
        week_of(args.sim_queues, args.intervals, seed=2),
        grid(args.sim_scenarios),
        args.repeat,
        models=("erlang_a", "simulation"),
        replications=args.replications,
    )


if __name__ == "__main__":
    main()
