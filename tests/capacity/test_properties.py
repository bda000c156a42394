"""Properties over wide input ranges (hypothesis): bounds, monotonicity, minimality, no overflow."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from routingkit.capacity import (
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    service_level,
)

agents = st.integers(min_value=0, max_value=100_000)
traffic = st.floats(min_value=0.0, max_value=50_000.0, allow_nan=False)
aht = st.floats(min_value=5.0, max_value=3600.0)
target = st.floats(min_value=0.0, max_value=3600.0)
patience = st.floats(min_value=1.0, max_value=3600.0)
goal = st.floats(min_value=0.05, max_value=0.99)

# Monotone up to rounding: consecutive values may differ by a few units in the last place of
# the value, or of 1 for probabilities computed as complements.
ULPS = 4 * np.finfo(float).eps


def rises(lo: float, hi: float) -> bool:
    return hi >= lo - ULPS * max(abs(lo), abs(hi), 1.0)


settings.register_profile("routingkit", max_examples=150, deadline=None)
settings.load_profile("routingkit")


@given(agents, traffic, aht, target)
def test_probabilities_are_finite_and_in_unit_interval(n, a, h, t) -> None:
    for value in (erlang_b(n, a), erlang_c(n, a), service_level(n, a, h, t), occupancy(n, a)):
        assert np.isfinite(value) and 0.0 <= value <= 1.0
    w = asa(n, a, h)
    assert w == np.inf if n <= a else (np.isfinite(w) and w >= 0)


@given(agents, traffic)
def test_erlang_b_and_c_fall_as_agents_rise(n, a) -> None:
    assert rises(erlang_b(n + 1, a), erlang_b(n, a))
    assert rises(erlang_c(n + 1, a), erlang_c(n, a))


@given(agents, traffic, st.floats(min_value=1e-3, max_value=100.0))
def test_erlang_b_and_c_rise_with_traffic(n, a, extra) -> None:
    assert rises(erlang_b(n, a), erlang_b(n, a + extra))
    assert rises(erlang_c(n, a), erlang_c(n, a + extra))


@given(agents, traffic, aht, target)
def test_service_level_rises_with_agents(n, a, h, t) -> None:
    assert rises(service_level(n, a, h, t), service_level(n + 1, a, h, t))


@given(
    st.integers(min_value=0, max_value=20_000),
    st.floats(min_value=0.0, max_value=10.0),
    st.floats(min_value=5.0, max_value=3600.0),
    patience,
    target,
)
def test_erlang_a_is_finite_bounded_and_monotone(n, lam, h, p, t) -> None:
    now, more = erlang_a(n, lam, h, p), erlang_a(n + 1, lam, h, p)
    for res in (now, more):
        for value in (res.p_wait, res.p_abandon, res.occupancy, res.service_level(t)):
            assert np.isfinite(value) and 0.0 <= value <= 1.0
        assert np.isfinite(res.mean_wait) and res.mean_wait >= 0
    assert rises(more.p_abandon, now.p_abandon)
    assert rises(more.p_wait, now.p_wait)
    assert rises(now.service_level(t), more.service_level(t))


@given(
    st.floats(min_value=0.01, max_value=20_000.0),
    st.floats(min_value=10.0, max_value=1800.0),
    st.floats(min_value=0.0, max_value=600.0),
    goal,
)
def test_required_agents_is_minimal(a, h, t, sl) -> None:
    n = required_agents(a, h, t, sl)
    assert n > a
    assert service_level(n, a, h, t) >= sl
    assert n - 1 <= a or service_level(n - 1, a, h, t) < sl


@given(
    st.floats(min_value=0.01, max_value=2_000.0),
    st.floats(min_value=10.0, max_value=1800.0),
    st.floats(min_value=0.0, max_value=300.0),
    goal,
    patience,
    st.floats(min_value=0.01, max_value=0.5),
)
def test_erlang_a_required_agents_is_minimal(a, h, t, sl, p, ab) -> None:
    n = required_agents(a, h, t, sl, model="erlang_a", patience=p, max_abandon=ab)
    lam = a / h

    def meets(m: int) -> bool:
        res = erlang_a(m, lam, h, p)
        return bool(res.service_level(t) >= sl and res.p_abandon <= ab)

    assert meets(n)
    assert n == 0 or not meets(n - 1)


@given(st.lists(st.floats(min_value=0.0, max_value=50_000.0), min_size=1, max_size=50), aht)
def test_required_agents_rows_are_independent(loads, h) -> None:
    vec = required_agents(np.array(loads), h, 20.0, 0.8)
    assert vec.tolist() == [required_agents(a, h, 20.0, 0.8) for a in loads]
