"""The supported range: inputs past it are refused by name, inputs up to it are answered exactly.

The bounds (``routingkit.capacity._inputs``): agent counts up to 2**53, traffic up to 1e7 Erlangs
and, for Erlang A, arrival rate x patience up to 1e8 and patience / aht from 1e-9 to 1e9. Every
call here runs under a hard time limit, so a search that cannot end fails instead of hanging.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import mpref
import numpy as np
import pytest
from time_limit import within

from routingkit.capacity import (
    erlang_a,
    erlang_b,
    erlang_c,
    halfin_whitt_beta,
    required_agents,
    scheduled_agents,
    sqrt_staffing,
)

LIMIT = 60.0  # seconds; far above any answer here, far below a hang


# --- Past the range: refused by name, at once -----------------------------------------------


@pytest.mark.parametrize("traffic", [1e16, 1e20, 1e300])
def test_required_agents_refuses_traffic_past_1e7_erlangs(traffic: float) -> None:
    with (
        within(LIMIT),
        pytest.raises(ValueError, match=r"traffic is .*must be at most 1e7 Erlangs"),
    ):
        required_agents(traffic, 180, 20, 0.8)


def test_required_agents_names_the_row_of_a_table_that_is_out_of_range() -> None:
    with within(LIMIT), pytest.raises(ValueError, match=r"traffic\[1\] is 1e\+20"):
        required_agents(np.array([12.0, 1e20, 3.0]), 180, 20, 0.8)


def test_occupancy_goal_needing_more_than_2_53_agents_is_refused() -> None:
    with within(LIMIT), pytest.raises(ValueError, match=r"max_occupancy is 1e-17: .*2\*\*53"):
        required_agents(10, 180, 20, 0.8, max_occupancy=1e-17)


def test_occupancy_goal_just_inside_2_53_agents_is_answered() -> None:
    occ = 2.0**-50  # 7 Erlangs at this occupancy: 7 * 2**50 agents, just below 2**53
    with within(LIMIT):
        assert required_agents(7, 180, 20, 0.8, max_occupancy=occ) == 7 * 2**50


def test_sqrt_staffing_refuses_traffic_past_1e7_erlangs() -> None:
    with pytest.raises(ValueError, match=r"traffic is 1e\+19; .*at most 1e7 Erlangs"):
        sqrt_staffing(1e19, 2)


def test_sqrt_staffing_refuses_a_beta_asking_for_more_than_2_53_agents() -> None:
    with pytest.raises(ValueError, match=r"beta is 1e\+300: .*more than 2\*\*53 agents"):
        sqrt_staffing(1e7, 1e300)


def test_refined_sqrt_staffing_refuses_a_delay_target_below_the_normal_floats() -> None:
    # alpha(40) = exp(-804.6) is no normal float64: Erlang C cannot be compared with it
    with within(LIMIT), pytest.raises(ValueError, match=r"beta is 40\.0: .*at most about 37\.5"):
        sqrt_staffing(100.0, 40.0, refine=True)


def test_scheduled_agents_refuses_agent_counts_past_2_53() -> None:
    with pytest.raises(ValueError, match=r"agents is 1e\+19; agents must be at most 2\*\*53"):
        scheduled_agents(1e19, 0.3)


def test_scheduled_agents_refuses_a_roster_past_2_53() -> None:
    with pytest.raises(ValueError, match=r"shrinkage is 0\.5: .*more than 2\*\*53"):
        scheduled_agents(2**53, 0.5)


def test_scheduled_agents_reads_a_subnormal_shrinkage_as_written() -> None:
    s = 5e-324
    for n in (0, 7, 2**52):
        expected = math.ceil(Fraction(n) / (1 - Fraction(repr(s))))
        assert scheduled_agents(n, s) == expected


def test_erlang_a_refuses_a_patience_load_past_1e8() -> None:
    # 1,000 calls a second and 1e6 s of patience: 1e9 callers arrive per mean patience
    with pytest.raises(ValueError, match=r"arrival_rate x patience is .*at most 1e8"):
        erlang_a(1000, 1000.0, 1.0, 1e6)


@pytest.mark.parametrize("patience", [5e-324, 1e-12, 1e12])
def test_erlang_a_refuses_patience_beyond_1e9_handle_times_either_way(patience: float) -> None:
    with pytest.raises(ValueError, match=r"patience / aht is .*(at most|at least)"):
        erlang_a(1, 1e-6, 1.0, patience)


def test_erlang_a_staffing_refuses_a_patience_load_past_1e8() -> None:
    with within(LIMIT), pytest.raises(ValueError, match=r"traffic x patience / aht is .*1e8"):
        required_agents(1e4, 1, 20, 0.8, model="erlang_a", patience=1e5)


# --- Up to the range: answered, exactly -----------------------------------------------------


@pytest.mark.parametrize("a", [1e7, 1e7 - 0.3])
def test_required_agents_at_the_traffic_bound_is_minimal_by_mpmath(a: float) -> None:
    aht, target, sl = 180.0, 20.0, 0.8
    with within(LIMIT):
        n = required_agents(a, aht, target, sl)
    assert mpref.service_level(n, a, aht, target) >= sl
    assert mpref.service_level(n - 1, a, aht, target) < sl


@pytest.mark.parametrize("offset", [-3163, -1, 1, 3163])
def test_erlang_b_and_c_at_the_traffic_bound_match_mpmath(offset: int) -> None:
    a = 1e7
    n = int(a) + offset  # overload (the long series) and stable, either side of saturation
    with within(LIMIT):
        b, c = erlang_b(n, a), erlang_c(n, a)
    assert b == pytest.approx(float(mpref.erlang_b(n, a)), rel=1e-12, abs=0.0)
    assert c == pytest.approx(float(mpref.erlang_c(n, a)), rel=1e-12, abs=0.0)


def _alpha(beta: float) -> mp.mpf:
    """Halfin-Whitt delay probability 1 / (1 + beta Phi(beta) / phi(beta)) in 50 digits."""
    with mp.workdps(50):
        b = mp.mpf(beta)
        return 1 / (1 + b * mp.ncdf(b) / mp.npdf(b))


@pytest.mark.parametrize("p", [1e-100, 1e-300, 2.2250738585072014e-308, 5e-324])
def test_halfin_whitt_beta_for_tiny_delay_targets_matches_mpmath(p: float) -> None:
    beta = halfin_whitt_beta(p)
    assert float(_alpha(beta)) == pytest.approx(p, rel=1e-12, abs=0.0)


def test_erlang_a_with_arrivals_too_rare_for_float64_stays_finite() -> None:
    # 5e-324 calls per second x 0.5 s of patience underflows to 0 callers per patience
    res = erlang_a(1, 5e-324, 1.0, 0.5)
    for value in (res.p_wait, res.p_abandon, res.occupancy, res.service_level(20)):
        assert 0.0 <= value <= 1.0
    assert 0.0 <= res.mean_wait < math.inf and 0.0 <= res.asa_answered < math.inf


def test_erlang_a_with_rare_arrivals_matches_the_birth_death_chain() -> None:
    case = (2, 1e-150, 100.0, 1e-4)  # 1e-154 callers per mean patience
    chain = mpref.ErlangAChain(*case)
    res = erlang_a(*case)
    assert res.p_wait == pytest.approx(float(chain.p_wait), rel=1e-12, abs=0.0)
    assert res.p_abandon == pytest.approx(float(chain.p_abandon), rel=1e-12, abs=0.0)


def test_erlang_a_at_the_patience_load_bound_answers() -> None:
    # near critical load, where the tail sums and the answered-wait window are longest
    n, lam, aht, patience = 1000, 1000 / 180, 180.0, 1.8e7
    with within(LIMIT):
        res = erlang_a(n, lam, aht, patience)
        measures = (res.p_wait, res.p_abandon, res.service_level(20), res.asa_answered)
    assert all(np.isfinite(measures))


def test_erlang_a_staffing_at_the_bounds_answers_promptly() -> None:
    # 1e7 Erlangs, patience ten handle times: 1e8 callers per mean patience, every goal binding
    # near critical load, where each evaluation sums about 1e5 terms (about a second in all)
    with within(20.0):
        n = required_agents(
            1e7, 180, 20, 0.8, model="erlang_a", patience=1800, max_abandon=0.01, max_asa=5
        )
    assert isinstance(n, int) and 9_000_000 < n < 11_000_000
