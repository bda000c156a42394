"""Capacity benchmark: routingkit against pyworkforce, measured in the same run.

Run with ``make bench`` (it builds benchmarks/.venv with routingkit and pyworkforce). Prints
figures and ratios; asserts nothing, because these machines are shared and noisy.

* required_agents on 1,000,000 rows of mixed realistic inputs (0.1-10,000 Erlangs), against
  pyworkforce's ErlangC.required_positions in a loop, timed on a sample of the same rows and
  per row, plus the agreement of the two answers on that sample;
* Erlang A measures for 100,000 rows (pyworkforce's ErlangA when the installed release has one).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from routingkit.capacity import erlang_a, required_agents


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def workload(rows: int, seed: int, max_traffic: float) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "traffic": np.exp(rng.uniform(np.log(0.1), np.log(max_traffic), rows)),
        "aht": rng.uniform(120.0, 900.0, rows),
        "target": rng.choice([10.0, 20.0, 30.0, 60.0, 120.0], rows),
        "sl": rng.choice([0.7, 0.8, 0.9], rows),
        "patience": rng.uniform(30.0, 600.0, rows),
    }


def pyworkforce_required(row: dict[str, float]) -> int:
    from pyworkforce.queuing import ErlangC

    # pyworkforce works in minutes per interval: 30-minute interval, transactions per interval.
    interval = 30.0
    transactions = row["traffic"] / row["aht"] * interval * 60.0
    model = ErlangC(
        transactions=transactions,
        aht=row["aht"] / 60.0,
        asa=row["target"] / 60.0,
        interval=interval,
    )
    return int(model.required_positions(service_level=row["sl"])["raw_positions"])


def bench_required_agents(rows: int, sample: int) -> None:
    data = workload(rows, seed=1, max_traffic=10_000.0)
    seconds, ours = best_of(
        3, lambda: required_agents(data["traffic"], data["aht"], data["target"], data["sl"])
    )
    per_row = seconds / rows
    print(f"required_agents, {rows:,} rows (0.1-10,000 Erlangs): {seconds:.3f} s")
    print(f"  routingkit per row: {per_row * 1e6:.3f} us")
    try:
        import pyworkforce  # noqa: F401
    except ImportError:
        print("  pyworkforce is not installed here: run `make bench` for the comparison")
        return
    idx = np.random.default_rng(2).choice(rows, sample, replace=False)
    start = time.perf_counter()
    theirs = [pyworkforce_required({k: float(v[i]) for k, v in data.items()}) for i in idx]
    pw_seconds = time.perf_counter() - start
    pw_per_row = pw_seconds / sample
    agree = np.mean(np.array(theirs) == ours[idx])
    print(f"  pyworkforce ErlangC.required_positions, {sample:,}-row sample of the same rows:")
    print(f"    {pw_per_row * 1e6:.1f} us per row -> {pw_per_row * rows:.0f} s for {rows:,} rows")
    print(f"    ratio (pyworkforce / routingkit, per row): {pw_per_row / per_row:,.0f}x")
    print(f"    same answer on {agree:.2%} of the sample")
    for label, traffic in (("typical row (10 Erlangs)", 10.0), ("10,000 Erlangs", 10_000.0)):
        row = {"traffic": traffic, "aht": 300.0, "target": 20.0, "sl": 0.8}
        pw_t, _ = best_of(3, lambda row=row: pyworkforce_required(row))
        rk_t, _ = best_of(3, lambda a=traffic: required_agents(a, 300.0, 20.0, 0.8))
        print(
            f"    {label}: pyworkforce {pw_t * 1e3:.3f} ms, routingkit scalar call "
            f"{rk_t * 1e3:.3f} ms"
        )


def bench_erlang_a(rows: int) -> None:
    data = workload(rows, seed=3, max_traffic=2_000.0)
    lam = data["traffic"] / data["aht"]
    agents = np.ceil(data["traffic"] * np.random.default_rng(4).uniform(0.85, 1.25, rows))

    def measures() -> Any:
        res = erlang_a(agents, lam, data["aht"], data["patience"])
        return res.p_wait, res.p_abandon, res.mean_wait, res.service_level(data["target"])

    seconds, _ = best_of(3, measures)
    print(
        f"erlang_a, {rows:,} rows (0.1-2,000 Erlangs, 85-125% staffing): "
        f"p_wait, p_abandon, mean_wait, service level in {seconds:.3f} s"
    )
    asa_seconds, _ = best_of(
        1, lambda: erlang_a(agents, lam, data["aht"], data["patience"]).asa_answered
    )
    print(f"  plus the mean wait of answered calls (lazy): {asa_seconds:.3f} s")
    try:
        from pyworkforce.queuing import ErlangA  # type: ignore[attr-defined]
    except ImportError:
        print("  the installed pyworkforce has no ErlangA: no comparison in this run")
        return
    print(f"  pyworkforce ErlangA available ({ErlangA}); timing 3 rows at 500-2,000 Erlangs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--erlang-a-rows", type=int, default=100_000)
    args = parser.parse_args()
    bench_required_agents(args.rows, args.sample)
    bench_erlang_a(args.erlang_a_rows)


if __name__ == "__main__":
    main()
