"""Any float at all, in any argument: each public function answers or raises ValueError, promptly.

"Any float" is the whole float64 line: nan, both infinities, subnormals, values past 2**53 where
consecutive integers are no longer floats, and values past int64. An answer must lie in its
documented range, reached without numpy RuntimeWarnings (overflow, 0/0); a refusal must be a
ValueError that names the argument. A hard time limit turns a hang into a failure instead of a
stuck test run, and hypothesis's deadline flags an answer that is merely slow.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from time_limit import within

from routingkit.capacity import (
    SERVICE_LEVEL_DEFINITIONS,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    halfin_whitt_beta,
    occupancy,
    required_agents,
    scheduled_agents,
    service_level,
    sqrt_staffing,
)

# The slowest answers in range take about a second (an Erlang A staffing search at the bounds);
# the margins are for a busy shared machine.
HARD_LIMIT = 30.0  # seconds; a hang becomes a failure here
PER_EXAMPLE = settings(max_examples=300, deadline=timedelta(seconds=10))

EXTREMES = [
    0.0,
    -0.0,
    5e-324,
    2.2250738585072014e-308,
    1e-300,
    1e-17,
    0.5,
    1.0 - 2.0**-53,
    1.0,
    2.0,
    1e7,
    1e7 + 1.0,
    2.0**53,
    2.0**53 + 2.0,
    1e16,
    1e19,
    1e20,
    1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
    -1.0,
]

# The whole line, plus the stretch where answers (rather than refusals) live.
anything = st.one_of(
    st.floats(),
    st.floats(min_value=0.0, max_value=1e8),
    st.floats(min_value=0.0, max_value=1e3),
    st.sampled_from(EXTREMES),
)
# whole numbers from everywhere on the line (st.floats alone is rarely whole below 2**52)
counts = st.one_of(
    st.integers(min_value=-2, max_value=2**70),
    st.integers(min_value=0, max_value=10**6),
    st.floats().map(lambda v: float(np.floor(v))),
    st.sampled_from(EXTREMES),
)
fractions = st.one_of(st.floats(min_value=0.0, max_value=1.0), anything)
maybe = st.one_of(st.none(), anything)


def answer_or_refusal(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """fn's answer, or None when it refused with a ValueError naming one of its arguments."""
    names = ["agents", "traffic", "aht", "target", "patience", "arrival_rate", "beta", "p_wait"]
    names += ["service_level", "shrinkage", "max_occupancy", "max_asa", "max_abandon"]
    names += ["short_abandon"]
    with within(HARD_LIMIT), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow or 0/0 on the way
        try:
            answer = fn(*args, **kwargs)
        except ValueError as err:
            message = str(err)
            assert any(re.search(rf"\b{name}\b", message) for name in names), message
            event("refused")
            return None
    event("answered")
    return answer


def is_probability(value: Any) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


def is_agent_count(value: Any) -> bool:
    return isinstance(value, int) and 0 <= value <= 2**53


@PER_EXAMPLE
@given(counts, anything)
def test_erlang_b_and_c_answer_probabilities_or_refuse(n: Any, a: Any) -> None:
    for fn in (erlang_b, erlang_c, occupancy):
        value = answer_or_refusal(fn, n, a)
        assert value is None or is_probability(value), (fn.__name__, value)


@PER_EXAMPLE
@given(counts, anything, anything, anything)
def test_service_level_and_asa_answer_or_refuse(n: Any, a: Any, h: Any, t: Any) -> None:
    sl = answer_or_refusal(service_level, n, a, h, t)
    assert sl is None or is_probability(sl)
    wait = answer_or_refusal(asa, n, a, h)
    assert wait is None or (isinstance(wait, float) and wait >= 0.0 and not math.isnan(wait))


@st.composite
def erlang_a_queues(draw: st.DrawFn) -> tuple[Any, Any, Any, Any]:
    """(agents, arrival_rate, aht, patience): anything, with the loads often in range."""
    n, h = draw(counts), draw(anything)
    scale = h if isinstance(h, float) and h != 0.0 else 1.0
    lam = draw(st.one_of(anything, st.floats(0.0, 1e7).map(lambda a: a / scale)))
    p = draw(st.one_of(anything, st.floats(1e-9, 1e9).map(lambda r: r * scale)))
    return n, lam, h, p


@PER_EXAMPLE
@given(erlang_a_queues(), anything, anything)
def test_erlang_a_measures_answer_or_refuse(queue: tuple[Any, ...], t: Any, short: Any) -> None:
    res = answer_or_refusal(erlang_a, *queue)
    if res is None:
        return
    for value in (res.p_wait, res.p_abandon, res.occupancy):
        assert is_probability(value), res
    assert isinstance(res.mean_wait, float) and 0.0 <= res.mean_wait < math.inf, res
    wait = answer_or_refusal(lambda: res.asa_answered)
    no_agents = queue[0] == 0 and res.arrival_rate > 0
    assert isinstance(wait, float) and wait >= 0.0 and (wait < math.inf or no_agents), res
    for definition in SERVICE_LEVEL_DEFINITIONS:
        value = answer_or_refusal(res.service_level, t, definition, short_abandon=short)
        assert value is None or is_probability(value), (res, definition, value)


goals = st.one_of(
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True), fractions
)
maybe_goal = st.one_of(st.none(), goals)


@PER_EXAMPLE
@given(anything, anything, anything, goals, maybe_goal, maybe)
def test_required_agents_erlang_c_answers_or_refuses(
    a: Any, h: Any, t: Any, sl: Any, occ: Any, max_asa: Any
) -> None:
    n = answer_or_refusal(required_agents, a, h, t, sl, max_occupancy=occ, max_asa=max_asa)
    assert n is None or is_agent_count(n), n
    if n is not None and n > 0:
        assert n > a


@PER_EXAMPLE
@given(
    erlang_a_queues(),
    anything,
    maybe_goal,
    maybe_goal,
    maybe_goal,
    st.sampled_from(SERVICE_LEVEL_DEFINITIONS),
    anything,
)
def test_required_agents_erlang_a_answers_or_refuses(
    queue: tuple[Any, ...], t: Any, sl: Any, ab: Any, occ: Any, definition: Any, short: Any
) -> None:
    _, lam, h, p = queue
    with np.errstate(all="ignore"):
        a = float(np.float64(lam) * np.float64(h)) if lam == lam and h == h else lam
    n = answer_or_refusal(
        required_agents,
        a,
        h,
        t,
        sl,
        model="erlang_a",
        patience=p,
        max_abandon=ab,
        max_occupancy=occ,
        definition=definition,
        short_abandon=short,
    )
    assert n is None or is_agent_count(n), n


@PER_EXAMPLE
@given(fractions)
def test_halfin_whitt_beta_answers_or_refuses(p: Any) -> None:
    beta = answer_or_refusal(halfin_whitt_beta, p)
    assert beta is None or (isinstance(beta, float) and 0.0 <= beta < math.inf)


@PER_EXAMPLE
@given(anything, anything, st.booleans())
def test_sqrt_staffing_answers_or_refuses(a: Any, beta: Any, refine: bool) -> None:
    n = answer_or_refusal(sqrt_staffing, a, beta, refine=refine)
    assert n is None or is_agent_count(n), n


@PER_EXAMPLE
@given(counts, fractions)
def test_scheduled_agents_answers_or_refuses(n: Any, shrinkage: Any) -> None:
    rostered = answer_or_refusal(scheduled_agents, n, shrinkage)
    assert rostered is None or (is_agent_count(rostered) and rostered >= n), rostered
