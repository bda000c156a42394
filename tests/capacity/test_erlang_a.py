"""Erlang A (M/M/N+M) against the summed birth-death chain, the hypoexponential wait law and a
discrete-event simulation written here from scratch."""

from __future__ import annotations

import heapq
import math

import mpref
import numpy as np
import pytest

from routingkit.capacity import erlang_a, erlang_c, service_level

REL = 1e-12

# (agents, arrival rate /s, aht s, patience s): tiny to large loads, underload to heavy overload
CHAIN_CASES = [
    (1, 0.05 / 180, 180.0, 60.0),
    (10, 9 / 180, 180.0, 120.0),
    (14, 200 / 3600, 180.0, 100.0),
    (5, 20 / 180, 180.0, 30.0),
    (20, 0.5 / 200, 200.0, 300.0),
    (50, 45 / 300, 300.0, 600.0),
    (100, 120 / 300, 300.0, 60.0),
    (30, 60 / 240, 240.0, 1000.0),
    (3, 5 / 100, 100.0, 1e4),
    (500, 480 / 400, 400.0, 200.0),
    (2000, 2100 / 300, 300.0, 120.0),
    (400, 2000 / 300, 300.0, 90.0),
]

# short tails, so the hypoexponential reference stays affordable
SL_CASES = [
    (14, 200 / 3600, 180.0, 100.0),
    (10, 9 / 180, 180.0, 120.0),
    (5, 20 / 180, 180.0, 30.0),
    (1, 0.05 / 180, 180.0, 60.0),
    (25, 22 / 240, 240.0, 45.0),
]


def _rel(got: float, ref: object) -> float:
    ref_f = float(ref)  # type: ignore[arg-type]
    return abs(got) if ref_f == 0.0 else abs(got - ref_f) / abs(ref_f)


@pytest.fixture(scope="module")
def chains() -> dict[tuple[int, float, float, float], mpref.ErlangAChain]:
    return {case: mpref.ErlangAChain(*case) for case in CHAIN_CASES + SL_CASES}


@pytest.mark.parametrize("case", CHAIN_CASES)
def test_probabilities_match_birth_death_chain(case, chains) -> None:
    ref = chains[case]
    got = erlang_a(*case)
    assert _rel(got.p_wait, ref.p_wait) <= REL
    assert _rel(got.p_abandon, ref.p_abandon) <= REL
    assert _rel(got.occupancy, ref.occupancy) <= REL
    assert _rel(got.mean_wait, ref.mean_wait) <= REL


@pytest.mark.parametrize("case", SL_CASES)
@pytest.mark.parametrize("target", [0.0, 5.0, 20.0, 60.0, 300.0])
def test_service_levels_match_hypoexponential_wait(case, target, chains) -> None:
    ref = chains[case].measures_at(target)
    got = erlang_a(*case)
    served_within = ref["served_within"]
    answered = 1 - chains[case].p_abandon
    assert _rel(got.service_level(target, "offered"), served_within) <= 1e-11
    assert _rel(got.service_level(target, "answered"), served_within / answered) <= 1e-11
    assert _rel(got.service_level(target, "all_arrivals"), 1 - ref["wait_over"]) <= 1e-11


@pytest.mark.parametrize("case", SL_CASES)
def test_short_abandons_leave_the_denominator(case, chains) -> None:
    chain = chains[case]
    short = 10.0
    # abandoned within s = P(W <= s) - answered within s (for all arrivals)
    at_short = chain.measures_at(short)
    short_ab = (1 - at_short["wait_over"]) - at_short["served_within"]
    target = 20.0
    expected = chain.measures_at(target)["served_within"] / (1 - short_ab)
    got = erlang_a(*case).service_level(target, "offered_excl_short", short_abandon=short)
    assert _rel(got, expected) <= 1e-11


@pytest.mark.parametrize("case", SL_CASES + CHAIN_CASES[:4])
def test_mean_wait_of_answered_calls(case, chains) -> None:
    chain = chains[case]
    ref = chain.measures_at(0.0)["served_wait"] / (1 - chain.p_abandon)
    assert _rel(erlang_a(*case).asa_answered, ref) <= 1e-11


@pytest.mark.parametrize(
    "case",
    [(400, 2000 / 300, 300.0, 90.0), (2000, 2100 / 300, 300.0, 120.0), (30, 60 / 240, 240.0, 1e3)],
)
def test_mean_wait_of_answered_calls_in_overload(case, chains) -> None:
    """Long tails: the chain sum of E[V e^-theta V | j] via the Laplace transform."""
    chain = chains[case]
    with mpref.mp.workdps(40):
        total = mpref.mp.mpf(0)
        for j, wj in enumerate(chain.tail):
            rates = [chain.n * chain.mu + k * chain.th for k in range(j + 2)]
            p_served = chain.n * chain.mu / (chain.n * chain.mu + (j + 1) * chain.th)
            total += wj / chain.z * p_served * mpref.mp.fsum(1 / r for r in rates[1:])
        ref = total / (1 - chain.p_abandon)
    assert _rel(erlang_a(*case).asa_answered, ref) <= 1e-11


def test_long_patience_tends_to_erlang_c() -> None:
    n, lam, aht = 14, 200 / 3600, 180.0
    res = erlang_a(n, lam, aht, 1e9)
    assert abs(res.p_wait - erlang_c(n, lam * aht)) < 1e-6
    assert (
        abs(res.service_level(20.0, "all_arrivals") - service_level(n, lam * aht, aht, 20)) < 1e-6
    )


def test_overload_stays_finite() -> None:
    res = erlang_a(np.array([1, 10, 100]), np.array([5.0, 50.0, 500.0]), 300.0, 60.0)
    for field in (res.p_wait, res.p_abandon, res.mean_wait, res.occupancy, res.asa_answered):
        assert np.all(np.isfinite(field))
    # in the fluid limit the served fraction tends to N / A
    assert res.p_abandon[-1] == pytest.approx(1 - 100 / (500 * 300), rel=1e-3)


def test_no_agents_and_no_arrivals() -> None:
    none = erlang_a(0, 0.1, 180, 60)
    assert none.p_wait == 1.0 and none.p_abandon == 1.0 and none.mean_wait == 60.0
    assert none.service_level(20, "offered") == 0.0
    assert none.service_level(20, "all_arrivals") == pytest.approx(1 - math.exp(-20 / 60))
    idle = erlang_a(3, 0.0, 180, 60)
    assert idle.p_wait == 0.0 and idle.p_abandon == 0.0 and idle.asa_answered == 0.0
    assert idle.service_level(20) == 1.0


def test_array_fields_follow_input_shape() -> None:
    res = erlang_a(np.array([[10, 11], [12, 13]]), 9 / 180, 180.0, 120.0)
    assert res.p_wait.shape == (2, 2)
    assert res.service_level(np.array([10.0, 20.0])).shape == (2, 2)
    assert res.service_level(20)[1, 1] == erlang_a(13, 9 / 180, 180.0, 120.0).service_level(20)


def test_unknown_definition_is_named() -> None:
    with pytest.raises(ValueError, match="definition is 'sla'"):
        erlang_a(10, 0.05, 180, 60).service_level(20, "sla")  # type: ignore[arg-type]


def _simulate(n: int, lam: float, aht: float, patience: float, calls: int, seed: int) -> dict:
    """FCFS M/M/N+M by events; waiting callers leave at their own exponential deadline."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, calls))
    services = rng.exponential(aht, calls)
    deadlines = arrivals + rng.exponential(patience, calls)
    free = [0.0] * n  # heap of times each agent becomes free
    heapq.heapify(free)
    waited = abandoned = answered_in_20 = 0
    # FCFS with reneging: the next agent goes to the earliest arrival still waiting. Since
    # callers are served in arrival order, a caller is served at max(arrival, next free time)
    # if that is before their deadline; otherwise they leave and the agent stays free.
    for i in range(calls):
        start = max(arrivals[i], free[0])
        if start > arrivals[i]:
            waited += 1
        if start > deadlines[i]:
            abandoned += 1
            continue
        if start - arrivals[i] <= 20.0:
            answered_in_20 += 1
        heapq.heapreplace(free, start + services[i])
    return {
        "p_wait": waited / calls,
        "p_abandon": abandoned / calls,
        "sl20": answered_in_20 / calls,
    }


@pytest.mark.parametrize(
    "case", [(14, 200 / 3600, 180.0, 100.0), (8, 10 / 180, 180.0, 60.0), (30, 0.18, 180.0, 240.0)]
)
def test_agrees_with_simulation(case) -> None:
    calls, reps = 50_000, 8
    runs = [_simulate(*case, calls=calls, seed=seed) for seed in range(reps)]
    model = erlang_a(*case)
    expected = {
        "p_wait": model.p_wait,
        "p_abandon": model.p_abandon,
        "sl20": model.service_level(20.0, "offered"),
    }
    for key, value in expected.items():
        samples = np.array([r[key] for r in runs])
        half_width = 3.499 * samples.std(ddof=1) / math.sqrt(reps)  # 99% t, 7 d.o.f.
        assert abs(samples.mean() - value) <= half_width, key
