"""required_agents, scheduled_agents and square-root staffing against brute-force references."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import mpref
import numpy as np
import pytest

from routingkit.capacity import (
    erlang_a,
    erlang_c,
    halfin_whitt_beta,
    required_agents,
    scheduled_agents,
    sqrt_staffing,
)

# (traffic, aht, target, service level): tiny, typical, large, long targets, strict goals
STAFFING_CASES = [
    (0.05, 180.0, 20.0, 0.8),
    (0.9, 300.0, 10.0, 0.95),
    (10.0, 180.0, 20.0, 0.8),
    (10.5, 180.0, 600.0, 0.8),
    (23.7, 420.0, 60.0, 0.9),
    (50.0, 240.0, 15.0, 0.7),
    (500.0, 300.0, 20.0, 0.8),
    (2000.0, 280.0, 30.0, 0.9),
    (10000.0, 300.0, 20.0, 0.8),
]


@pytest.mark.parametrize(("a", "aht", "target", "sl"), STAFFING_CASES)
def test_required_agents_equals_mpmath_minimum(a, aht, target, sl) -> None:
    assert required_agents(a, aht, target, sl) == mpref.required_agents_c(a, aht, target, sl)


def test_required_agents_vectorised_equals_rows() -> None:
    a, aht, target, sl = (np.array(col) for col in zip(*STAFFING_CASES, strict=True))
    expected = [mpref.required_agents_c(*row) for row in STAFFING_CASES]
    assert required_agents(a, aht, target, sl).tolist() == expected


def test_long_target_needs_only_stability() -> None:
    assert required_agents(10.5, 180, 600, 0.8) == 11


def test_asa_goal() -> None:
    a, aht = 10.0, 180.0
    n = required_agents(a, aht, 20, None, max_asa=3.0)
    assert float(mpref.asa(n, a, aht)) <= 3.0 < float(mpref.asa(n - 1, a, aht))


def test_occupancy_goal_binds_when_stricter() -> None:
    assert required_agents(10.0, 180, 20, 0.8, max_occupancy=0.5) == 20
    assert required_agents(10.0, 180, 20, 0.8, max_occupancy=0.95) == 14


def test_every_goal_is_met_and_one_agent_fewer_misses() -> None:
    a, aht, target = 37.2, 240.0, 30.0
    n = required_agents(a, aht, target, 0.85, max_occupancy=0.88, max_asa=12.0)

    def meets(m: int) -> bool:
        return (
            float(mpref.service_level(m, a, aht, target)) >= 0.85
            and a / m <= 0.88
            and float(mpref.asa(m, a, aht)) <= 12.0
        )

    assert meets(n) and not meets(n - 1)


@pytest.mark.parametrize(
    ("a", "aht", "patience", "target", "sl", "max_abandon"),
    [
        (10.0, 180.0, 120.0, 20.0, 0.8, None),
        (10.0, 180.0, 120.0, 20.0, 0.8, 0.01),
        (45.0, 300.0, 60.0, 30.0, 0.9, 0.03),
        (3.2, 400.0, 600.0, 60.0, 0.7, None),
        (120.0, 240.0, 90.0, 20.0, None, 0.05),
    ],
)
def test_erlang_a_staffing_equals_chain_minimum(a, aht, patience, target, sl, max_abandon) -> None:
    lam = a / aht

    def meets(m: int) -> bool:
        if m == 0:
            return False
        chain = mpref.ErlangAChain(m, lam, aht, patience)
        ok = True
        if sl is not None:
            ok &= float(chain.measures_at(target)["served_within"]) >= sl
        if max_abandon is not None:
            ok &= float(chain.p_abandon) <= max_abandon
        return ok

    n = required_agents(
        a, aht, target, sl, model="erlang_a", patience=patience, max_abandon=max_abandon
    )
    assert meets(n) and not meets(n - 1)


def test_erlang_a_needs_fewer_agents_than_erlang_c_with_impatient_callers() -> None:
    n_a = required_agents(40.0, 300, 20, 0.8, model="erlang_a", patience=60)
    assert n_a < required_agents(40.0, 300, 20, 0.8)
    assert erlang_a(n_a, 40 / 300, 300, 60).service_level(20) >= 0.8


class TestScheduledAgents:
    def test_exact_rational_rounding(self) -> None:
        assert scheduled_agents(21, 0.3) == 30  # 21 / 0.7 is 30.000000000000004 in floats
        assert scheduled_agents(14, 0.3) == 20
        assert scheduled_agents(7, 0.3) == 10
        assert scheduled_agents(0, 0.35) == 0
        assert scheduled_agents(10, 0.0) == 10

    def test_rounds_up_when_not_whole(self) -> None:
        assert scheduled_agents(22, 0.3) == 32  # 31.43 -> 32
        assert scheduled_agents(1, 0.999) == 1000

    def test_arrays_with_mixed_shrinkage(self) -> None:
        out = scheduled_agents(np.array([21, 14, 9, 100]), np.array([0.3, 0.3, 0.25, 0.35]))
        assert out.tolist() == [30, 20, 12, 154]
        assert out.dtype == np.int64


class TestSquareRootStaffing:
    def test_beta_inverts_halfin_whitt(self) -> None:
        from scipy.stats import norm

        for p in (0.01, 0.2, 0.5, 0.9):
            beta = halfin_whitt_beta(p)
            alpha = 1.0 / (1.0 + beta * norm.cdf(beta) / norm.pdf(beta))
            assert alpha == pytest.approx(p, rel=1e-12)

    def test_beta_is_solved_not_fixed(self) -> None:
        assert halfin_whitt_beta(0.2) == pytest.approx(1.0615, abs=1e-4)

    def test_rule_is_close_for_large_loads(self) -> None:
        beta = halfin_whitt_beta(0.2)
        n = sqrt_staffing(1000.0, beta)
        assert abs(n - (1000 + beta * np.sqrt(1000))) < 1
        exact = sqrt_staffing(1000.0, beta, refine=True)
        assert abs(n - exact) <= 1

    @pytest.mark.parametrize("a", [0.3, 2.0, 7.5, 40.0, 900.0])
    def test_refined_rule_is_exact(self, a) -> None:
        p = 0.2
        n = sqrt_staffing(a, halfin_whitt_beta(p), refine=True)
        assert float(mpref.erlang_c(n, a)) <= p
        assert n - 1 <= a or float(mpref.erlang_c(n - 1, a)) > p

    def test_refined_rule_matches_erlang_c_on_arrays(self) -> None:
        a = np.array([0.3, 2.0, 7.5, 40.0, 900.0])
        n = sqrt_staffing(a, halfin_whitt_beta(0.2), refine=True)
        assert np.all(erlang_c(n, a) <= 0.2 + 1e-15)


def test_erlang_a_search_checks_its_inputs_once_not_at_every_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The search evaluates the validated Erlang A core: the public checks run zero times."""
    module = importlib.import_module("routingkit.capacity.erlang_a")
    calls = {"as_agents": 0, "as_seconds": 0}

    def counted(name: str) -> Callable[..., Any]:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    for name in calls:
        monkeypatch.setattr(module, name, counted(name))
    rows = np.array([3.2, 10.0, 45.0, 120.0])
    n = required_agents(rows, 300, 20, 0.8, model="erlang_a", patience=90, max_abandon=0.05)
    assert calls == {"as_agents": 0, "as_seconds": 0}
    assert n.tolist() == [
        required_agents(a, 300, 20, 0.8, model="erlang_a", patience=90, max_abandon=0.05)
        for a in rows
    ]
