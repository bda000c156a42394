"""Simulation benchmark: routingkit's compiled simulators against ciw, SimPy and a plain loop.

Run from the repository root: ``python benchmarks/bench_simulation.py`` (``make bench`` runs it in
benchmarks/.venv, where ciw and SimPy are installed). Prints figures and ratios measured in the
same process; asserts nothing, because these machines are shared and noisy.

* M/M/20+M at 90% load (AHT 300 s, mean patience 600 s), the same case in ciw, SimPy, a
  plain-Python FCFS loop over a heap of agent-free times, and routingkit's ``simulate_queue``
  with a constant and with a varying staffing vector: simulated calls per second on one core;
* the routing network (5 queues, 3 media types, 150 agents, bullseye, conditional group and
  preferred-agent routing): ``simulate_network`` calls per second;
* a day of 100 queues x 30 replications (48 half-hours, 2,000-12,000 calls per queue-day).

The compiled functions are cached on disk; the first run of a fresh checkout also compiles
them, which is timed separately ("warm-up") and left out of the rates.
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from routingkit.capacity.simulation import (
    Agent,
    BullseyeRing,
    ConditionalRule,
    HandleTime,
    Patience,
    PreferredRule,
    RoutingNetwork,
    RoutingQueue,
    Workload,
    simulate_network,
    simulate_queue,
)

AGENTS = 20
AHT = 300.0
PATIENCE = 600.0
LOAD = 0.9
RATE = LOAD * AGENTS / AHT  # calls per second


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


# --- the peers -------------------------------------------------------------------------------


def run_ciw(horizon: float, seed: int) -> int:
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1.0 / AHT)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(1.0 / PATIENCE)],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon)
    return len(sim.get_all_records())


def run_simpy(horizon: float, seed: int) -> int:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    done = [0]

    def caller(env: Any) -> Any:
        with agents.request() as request:
            patience = env.timeout(rng.expovariate(1.0 / PATIENCE))
            outcome = yield request | patience
            if request in outcome:
                yield env.timeout(rng.expovariate(1.0 / AHT))
        done[0] += 1

    def source(env: Any) -> Any:
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(caller(env))

    env.process(source(env))
    env.run(until=horizon)
    return done[0]


def run_plain_loop(horizon: float, seed: int) -> int:
    """FCFS with reneging in arrival order over a heap of agent-free times (constant staffing)."""
    rng = random.Random(seed)
    free = [0.0] * AGENTS
    t = 0.0
    n = 0
    answered_in_20 = 0
    while True:
        t += rng.expovariate(RATE)
        if t >= horizon:
            return n
        n += 1
        start = max(free[0], t)
        if start - t > rng.expovariate(1.0 / PATIENCE):
            continue
        answered_in_20 += start - t <= 20.0
        heapq.heapreplace(free, start + rng.expovariate(1.0 / AHT))


# --- routingkit ------------------------------------------------------------------------------


def run_routingkit(days: int, replications: int, staffing: np.ndarray) -> int:
    intervals = 48 * days
    result = simulate_queue(
        np.full(intervals, RATE),
        np.resize(staffing, intervals),
        1800.0,
        HandleTime.exponential(AHT),
        patience=Patience.exponential(PATIENCE),
        replications=replications,
        seed=1,
    )
    return int(result.tallies[..., 0].sum())


def bench_single_queue(scale: float) -> None:
    print(f"M/M/{AGENTS}+M at {LOAD:.0%} load (AHT {AHT:.0f} s, patience {PATIENCE:.0f} s)")
    rates: dict[str, float] = {}
    peers: list[tuple[str, Callable[[float, int], int], float]] = [
        ("ciw", run_ciw, 2 * 86400.0),
        ("SimPy", run_simpy, 4 * 86400.0),
        ("plain-Python heap loop", run_plain_loop, 40 * 86400.0),
    ]
    for name, fn, horizon in peers:
        try:
            seconds, calls = best_of(2, lambda fn=fn, h=horizon: fn(h * scale, 1))
        except ImportError:
            print(f"  {name}: not installed here (run `make bench`)")
            continue
        rates[name] = calls / seconds
        print(f"  {name:<34} {rates[name]:>14,.0f} calls/s  ({calls:,} calls)")
    constant = np.full(48, AGENTS)
    varying = np.resize(np.r_[np.full(16, AGENTS - 2), np.full(16, AGENTS + 2), constant[:16]], 48)
    start = time.perf_counter()
    run_routingkit(1, 1, constant)
    print(f"  (routingkit warm-up, including any compilation: {time.perf_counter() - start:.2f} s)")
    days = max(1, int(200 * scale))
    for label, staffing in (("constant staffing", constant), ("staffing vector", varying)):
        seconds, calls = best_of(3, lambda s=staffing: run_routingkit(days, 10, s))
        ours = calls / seconds
        rates[label] = ours
        print(f"  routingkit simulate_queue, {label:<17} {ours:>11,.0f} calls/s  ({calls:,} calls)")
    ours = rates["staffing vector"]
    for name in ("ciw", "SimPy", "plain-Python heap loop"):
        if name in rates:
            print(f"  ratio routingkit (staffing vector) / {name}: {ours / rates[name]:,.0f}x")


def example_network(intervals: int = 48) -> RoutingNetwork:
    """5 queues, 3 media types, 150 agents, each routing method Genesys offers."""
    agents: list[Agent] = []

    def add(prefix: str, count: int, **kwargs: Any) -> list[str]:
        names = [f"{prefix}{i:03d}" for i in range(count)]
        agents.extend(Agent(name, **kwargs) for name in names)
        return names

    blended = {"call": 1, "email": 1}
    sales = add("sales", 30, capacity={"call": 1}, skills={"Sales": 4.0, "English": 5.0})
    senior = add("senior", 10, capacity={"call": 1}, skills={"Sales": 5.0, "Technical": 4.0})
    support = add("support", 35, capacity={"call": 1}, skills={"Technical": 3.0})
    overflow = add(
        "blend",
        20,
        capacity=blended,
        interruptible_by={"email": ("call",)},
        skills={"Technical": 2.0, "Billing": 3.0},
    )
    chat = add("chat", 35, capacity={"chat": 3}, skills={"Technical": 3.0, "English": 4.0})
    email = add("email", 20, capacity={"email": 1}, skills={"Billing": 4.0})
    assert len(agents) == 150
    day = np.ones(intervals)

    def ring(names: list[str], number: int) -> dict[str, int]:
        return dict.fromkeys(names, number)

    queues = (
        RoutingQueue(
            "Sales",
            {**ring(senior, 1), **ring(sales, 2)},
            skill_evaluation="BEST",
            bullseye=(BullseyeRing(10.0, ("English",)), BullseyeRing()),
        ),
        RoutingQueue(
            "Support",
            ring(support, 1),
            conditional=(
                ConditionalRule("EstimatedWaitTime", "GreaterThan", 30.0, tuple(support)),
                ConditionalRule(
                    "EstimatedWaitTime", "LessThan", 20.0, tuple(overflow), queue="Billing"
                ),
            ),
        ),
        RoutingQueue("Chat", ring(chat, 1), skill_evaluation="BEST", target_seconds=60.0),
        RoutingQueue("Billing", {**ring(email, 1), **ring(overflow, 1)}, target_seconds=14400.0),
        RoutingQueue(
            "VIP",
            {**ring(senior, 1), **ring(sales, 1)},
            preferred=(PreferredRule(15.0, threshold=8.0),),
        ),
    )
    workloads = (
        Workload(
            "Sales",
            0.11 * day,
            HandleTime.lognormal(280.0, 0.9),
            patience=120.0,
            skills=("Sales", "English"),
        ),
        Workload(
            "Support",
            0.105 * day,
            HandleTime.lognormal(330.0, 1.0),
            patience=150.0,
            skills=("Technical",),
        ),
        Workload(
            "Chat",
            0.23 * day,
            HandleTime.lognormal(420.0, 0.8),
            media="chat",
            patience=240.0,
            skills=("Technical",),
        ),
        Workload(
            "Billing",
            0.06 * day,
            HandleTime.lognormal(540.0, 0.7),
            media="email",
            skills=("Billing",),
        ),
        Workload(
            "VIP",
            0.01 * day,
            HandleTime.lognormal(400.0, 0.8),
            patience=300.0,
            priority=2,
            preferred_agents=dict.fromkeys(senior[:4], 9.0),
        ),
    )
    return RoutingNetwork(tuple(agents), queues, workloads, interval_seconds=1800.0)


def bench_network(scale: float) -> None:
    days = max(1, int(10 * scale))
    network = example_network(48 * days)
    start = time.perf_counter()
    simulate_network(example_network(48), replications=1)
    print(f"\nRouting network: 5 queues, 3 media types, 150 agents ({days} days per replication)")
    print(f"  (warm-up, including any compilation: {time.perf_counter() - start:.2f} s)")
    seconds, result = best_of(3, lambda: simulate_network(network, replications=4, seed=3))
    calls = sum(float(q.tallies[..., 0].sum()) for q in result.queues.values())
    print(f"  routingkit simulate_network: {calls / seconds:,.0f} calls/s  ({calls:,.0f} calls)")
    for name, queue in result.queues.items():
        sl = queue.window(2).service_level()
        print(f"    {name:<8} service level {sl.mean:6.1%} +/- {sl.half_width:.1%}")


def bench_day(queues: int, replications: int) -> None:
    rng = np.random.default_rng(7)
    hours = np.arange(48) / 2.0
    shape = np.exp(-0.5 * ((hours - 13.0) / 3.5) ** 2) + 0.05
    daily = rng.uniform(2_000, 12_000, queues)
    rates = daily[:, None] * shape / shape.sum() / 1800.0
    aht = rng.uniform(200.0, 600.0, queues)
    traffic = rates * aht[:, None]
    staffing = np.ceil(traffic + 1.0 * np.sqrt(traffic))

    def run() -> Any:
        return simulate_queue(
            rates,
            staffing,
            1800.0,
            HandleTime.lognormal(aht, 0.9),
            patience=Patience.exponential(rng.uniform(60.0, 600.0, queues)),
            replications=replications,
            seed=11,
        )

    seconds, result = best_of(2, run)
    calls = float(result.tallies[..., 0].sum())
    print(f"\nA day of {queues} queues x {replications} replications (48 half-hours)")
    print(f"  {seconds:.2f} s for {calls:,.0f} calls ({calls / seconds:,.0f} calls/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink or grow every run")
    args = parser.parse_args()
    print(f"single-threaded runs; numpy {np.__version__}, {os.cpu_count()} CPUs on this machine")
    bench_single_queue(args.scale)
    bench_network(args.scale)
    bench_day(100, 30)


if __name__ == "__main__":
    main()
