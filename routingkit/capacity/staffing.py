"""Staffing: the fewest agents that meet every goal, rostering with shrinkage, square-root rule."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from scipy import special

from ._inputs import (
    FloatArray,
    as_agents,
    as_float,
    as_seconds,
    as_traffic,
    broadcast,
    check_open_unit,
    check_positive,
    is_scalar_call,
    to_int_output,
    to_output,
)
from ._poisson import erlang_b_core
from .erlang import erlang_c_core, occupancy_core, stable_service_level, wait_split
from .erlang_a import SERVICE_LEVEL_DEFINITIONS, ServiceLevelDefinition, erlang_a

Model = Literal["erlang_c", "erlang_a"]
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))


# --- Halfin-Whitt square-root staffing -------------------------------------------------------


def _hw_log_alpha_and_slope(beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """log of alpha(beta) = 1 / (1 + beta Phi(beta)/phi(beta)) and its derivative in beta."""
    # R = Phi/phi grows like exp(beta^2/2); beyond ~37 it overflows, far past any real target.
    b = np.minimum(beta, 37.0)
    ratio = special.ndtr(b) * _SQRT_2PI * np.exp(0.5 * b * b)
    g = b * ratio
    g_slope = ratio + b * (1.0 + b * ratio)  # d/db (b R) with R' = 1 + b R
    return -np.log1p(g), -g_slope / (1.0 + g)


def halfin_whitt_beta(p_wait: Any) -> Any:
    """The safety factor beta with Halfin-Whitt delay probability ``p_wait``.

    Solves alpha(beta) = [1 + beta Phi(beta) / phi(beta)]^-1 = p_wait (Halfin & Whitt 1981,
    "Heavy-traffic limits for queues with many exponential servers", Oper. Res. 29(3)), the limit
    of Erlang C when N = A + beta sqrt(A) and A grows. ``p_wait`` in (0, 1); beta > 0.
    """
    scalar = is_scalar_call(p_wait)
    p = as_float("p_wait", p_wait)
    check_open_unit("p_wait", p, "a probability of waiting")
    target = np.log(p)
    # Newton on log alpha, which is concave and decreasing in beta: from a start left of the
    # root the iterates increase monotonically to it.
    beta = np.zeros_like(p)
    for _ in range(100):
        value, slope = _hw_log_alpha_and_slope(beta)
        step = (value - target) / slope
        beta = np.maximum(beta - step, 0.0)
        if np.all(np.abs(step) <= 1e-14 * np.maximum(1.0, beta)):
            break
    return to_output(beta, scalar)


def sqrt_staffing(traffic: Any, beta: Any, *, refine: bool = False) -> Any:
    """Square-root safety staffing N = ceil(A + beta sqrt(A)), as integers.

    Pick ``beta`` from a delay-probability target with :func:`halfin_whitt_beta` rather than
    the folklore beta = 2. The plain rule is asymptotic: Janssen, van Leeuwaarden & Zwart (2011,
    "Refining square-root safety staffing by expanding Erlang C", Oper. Res. 59(6)) show its
    error stays within an agent or two for moderate loads but grows, relatively, for small ones.
    ``refine=True`` makes it exact for every load: the smallest N with Erlang C
    P(wait) <= alpha(beta), found by integer search from the rule's answer (this is exact
    correction, not the paper's closed-form expansion).
    """
    scalar = is_scalar_call(traffic, beta)
    b_arr = as_float("beta", beta)
    bad = ~np.isfinite(b_arr)
    if bad.any():
        raise ValueError(f"beta must be a finite number, got {beta!r}")
    a, b = broadcast(as_traffic(traffic), b_arr)
    n = np.ceil(a + b * np.sqrt(a))
    n = np.maximum(n, 0.0)
    if refine:
        if np.any(b <= 0):
            raise ValueError("refine=True needs beta > 0 (a delay-probability target below 1)")
        shape = n.shape
        a_flat = a.ravel()
        alpha = np.exp(_hw_log_alpha_and_slope(b.ravel())[0])
        lower = np.floor(a_flat) + 1.0
        n = _minimal_feasible(
            np.maximum(n.ravel(), lower),
            lower,
            lambda i, m: erlang_c_core(m, a_flat[i]) <= alpha[i],
        )
        n = np.where(a_flat == 0, 0.0, n).reshape(shape)
    return to_int_output(n, scalar)


# --- Integer search shared by the staffing functions -----------------------------------------


def _minimal_feasible(
    guess: FloatArray,
    lower: FloatArray,
    feasible: Callable[[np.ndarray, FloatArray], np.ndarray],
) -> FloatArray:
    """Smallest n >= lower with feasible(n), searching from ``guess`` (>= lower).

    ``feasible(rows, n)`` evaluates rows ``rows`` at agent counts ``n``; it must be monotone
    (once feasible, feasible for every larger n). Near-exact guesses cost two evaluations;
    poor ones fall back to doubling then bisection, so no row takes more than O(log n) steps.
    """
    n: FloatArray = guess.astype(np.float64)
    rows = np.arange(n.size)
    ok = feasible(rows, n)
    # Rows infeasible at the guess: grow by doubling steps until feasible, then bisect.
    up = rows[~ok]
    lo = n[up].copy()  # known infeasible
    step = np.ones_like(lo)
    while up.size:
        cand = lo + step
        good = feasible(up, cand)
        n[up[good]] = cand[good]
        hi_rows, hi_lo, hi_hi = up[good], lo[good], cand[good]
        _bisect_into(n, hi_rows, hi_lo, hi_hi, feasible)
        lo, step, up = cand[~good], step[~good] * 2.0, up[~good]
    # Rows feasible at the guess: shrink while n - 1 is feasible, doubling the stride.
    down = rows[ok & (n > lower)]
    hi = n[down].copy()  # known feasible
    step = np.ones_like(hi)
    while down.size:
        cand = np.maximum(hi - step, lower[down])
        good = feasible(down, cand)
        # Infeasible candidate: answer lies in (cand, hi]; bisect there.
        bad_rows = down[~good]
        _bisect_into(n, bad_rows, cand[~good], hi[~good], feasible)
        n[down[good]] = cand[good]
        keep = good & (cand > lower[down])
        down, hi, step = down[keep], cand[keep], step[keep] * 2.0
    return n


def _bisect_into(
    n: FloatArray,
    rows: np.ndarray,
    lo: FloatArray,
    hi: FloatArray,
    feasible: Callable[[np.ndarray, FloatArray], np.ndarray],
) -> None:
    """Given lo infeasible and hi feasible, store the smallest feasible n in (lo, hi]."""
    lo, hi = lo.copy(), hi.copy()
    while rows.size:
        wide = hi - lo > 1
        if not wide.any():
            break
        r, l_, h_ = rows[wide], lo[wide], hi[wide]
        mid = np.floor((l_ + h_) / 2.0)
        good = feasible(r, mid)
        h_ = np.where(good, mid, h_)
        l_ = np.where(good, l_, mid)
        lo[wide], hi[wide] = l_, h_
    n[rows] = hi


def _erlang_c_search(
    a: FloatArray,
    guess: FloatArray,
    lower: FloatArray,
    meets: Callable[[np.ndarray, FloatArray, FloatArray], np.ndarray],
) -> FloatArray:
    """Smallest n >= lower meeting the goals under Erlang C, given a guess that rarely overshoots.

    Evaluates Erlang B once per row, one agent below the guess, then walks up with the forward
    recurrence B(n+1) = A B(n) / (n + 1 + A B(n)), which is stable and costs a few flops, so a
    row typically costs one incomplete-gamma evaluation instead of two or three.
    """
    n = np.maximum(guess - 1.0, lower)
    b = erlang_b_core(n, a)
    rows = np.arange(n.size)
    ok = meets(rows, n, b)
    # Rows already meeting the goals below the guess: search downwards the general way.
    down = rows[ok & (n > lower)]
    if down.size:

        def feasible(r: np.ndarray, m: FloatArray) -> np.ndarray:
            return meets(down[r], m, erlang_b_core(m, a[down[r]]))

        n[down] = _minimal_feasible(n[down], lower[down], feasible)
    up, b_up, n_up = rows[~ok], b[~ok], n[~ok]
    for _ in range(64):
        if not up.size:
            break
        a_up = a[up]
        n_up = n_up + 1.0
        b_up = a_up * b_up / (n_up + a_up * b_up)
        good = meets(up, n_up, b_up)
        n[up[good]] = n_up[good]
        up, b_up, n_up = up[~good], b_up[~good], n_up[~good]
    if up.size:  # far from the guess (extreme goals): double and bisect with exact evaluations

        def feasible_far(r: np.ndarray, m: FloatArray) -> np.ndarray:
            return meets(up[r], m, erlang_b_core(m, a[up[r]]))

        n[up] = _minimal_feasible(n_up, lower[up], feasible_far)
    return n


def _erlang_c_guess(
    a: FloatArray, aht: FloatArray, target: FloatArray, sl: FloatArray
) -> FloatArray:
    """Halfin-Whitt estimate of the agents for P(wait <= target) >= sl (within ~2 agents)."""
    sqrt_a = np.sqrt(a)
    k = sqrt_a * target / aht
    log_miss = np.log1p(-sl)
    # f(beta) = log alpha(beta) - k beta - log(1 - sl), decreasing and concave: Newton from the
    # left converges monotonically; three steps are plenty for a starting guess (a short guess
    # costs a cheap recurrence step, never correctness).
    beta = np.zeros_like(a)
    for _ in range(3):
        value, slope = _hw_log_alpha_and_slope(beta)
        beta = np.maximum(beta - (value - k * beta - log_miss) / (slope - k), 0.0)
    return np.ceil(a + beta * sqrt_a)


def required_agents(
    traffic: Any,
    aht: Any,
    target: Any,
    service_level: Any = 0.8,
    *,
    max_occupancy: Any = None,
    model: Model = "erlang_c",
    patience: Any = None,
    max_abandon: Any = None,
    max_asa: Any = None,
    definition: ServiceLevelDefinition = "offered",
    short_abandon: float = 10.0,
) -> Any:
    """The minimal whole number of agents that meets every goal given.

    Goals: ``service_level`` of calls answered within ``target`` seconds (``None`` to drop the
    goal), ``max_occupancy`` (A / N, or served load / N under Erlang A), ``max_asa`` (mean wait
    of answered calls, seconds) and, with ``model="erlang_a"`` (which needs ``patience``, the
    mean patience in seconds), ``max_abandon`` (fraction of offered calls abandoned).
    ``definition`` picks the Erlang A service level (see ``ErlangAResult.service_level``; the
    default is Genesys's ``oServiceLevel``; ``short_abandon`` seconds is the threshold for
    ``"offered_excl_short"``). Under Erlang C every definition coincides.

    Zero traffic needs zero agents. Erlang C never returns N <= A (an unstable queue).
    """
    scalar = is_scalar_call(traffic, aht, target, service_level, max_occupancy, patience)
    scalar = scalar and is_scalar_call(max_abandon, max_asa)
    if model not in ("erlang_c", "erlang_a"):
        raise ValueError(f"model is {model!r}; choose 'erlang_c' or 'erlang_a'")
    if definition not in SERVICE_LEVEL_DEFINITIONS:
        choices = ", ".join(SERVICE_LEVEL_DEFINITIONS)
        raise ValueError(f"definition is {definition!r}; choose one of {choices}")
    if model == "erlang_c":
        if patience is not None:
            raise ValueError("patience is only used with model='erlang_a'; drop it or switch model")
        if max_abandon is not None:
            raise ValueError(
                "max_abandon needs an abandonment model: pass model='erlang_a' and patience"
            )
    elif patience is None:
        raise ValueError(
            "model='erlang_a' needs patience, the mean seconds callers wait before hanging up "
            "(estimate it from history as total waiting time / abandons)"
        )

    arrays: dict[str, FloatArray] = {
        "traffic": as_traffic(traffic),
        "aht": as_seconds(aht, "aht", allow_zero=False),
        "target": as_seconds(target, "target", allow_zero=True),
    }
    if service_level is not None:
        sl = as_float("service_level", service_level)
        check_open_unit("service_level", sl, "the fraction to answer within target, e.g. 0.8")
        arrays["service_level"] = sl
    if max_occupancy is not None:
        occ = as_float("max_occupancy", max_occupancy)
        bad = ~np.isfinite(occ) | (occ <= 0) | (occ > 1)
        if bad.any():
            raise ValueError(
                f"max_occupancy is {max_occupancy!r}; it must lie in (0, 1], e.g. 0.85"
            )
        arrays["max_occupancy"] = occ
    if max_asa is not None:
        masa = as_float("max_asa", max_asa)
        check_positive("max_asa", masa, "the longest acceptable mean wait in seconds")
        arrays["max_asa"] = masa
    if max_abandon is not None:
        mab = as_float("max_abandon", max_abandon)
        check_open_unit("max_abandon", mab, "the acceptable fraction abandoned, e.g. 0.05")
        arrays["max_abandon"] = mab
    if patience is not None:
        pat = as_float("patience", patience)
        check_positive("patience", pat, "mean seconds before a caller hangs up")
        arrays["patience"] = pat
    names = list(arrays)
    flat = dict(zip(names, (v.ravel() for v in broadcast(*arrays.values())), strict=True))
    shape = broadcast(*arrays.values())[0].shape
    a = flat["traffic"]
    h = flat["aht"]
    t = flat["target"]
    sl_goal = flat.get("service_level")
    occ_goal = flat.get("max_occupancy")
    asa_goal = flat.get("max_asa")
    ab_goal = flat.get("max_abandon")

    result = np.zeros(a.shape)
    busy = np.flatnonzero(a > 0)
    if busy.size == 0:
        return to_int_output(result.reshape(shape), scalar)
    a_b, h_b, t_b = a[busy], h[busy], t[busy]

    def pick(goal: FloatArray | None, rows: np.ndarray) -> FloatArray | None:
        return None if goal is None else goal[busy][rows]

    if model == "erlang_c":
        lower = np.floor(a_b) + 1.0

        def meets(rows: np.ndarray, n: FloatArray, b: FloatArray) -> np.ndarray:
            ar, hr = a_b[rows], h_b[rows]
            ok: np.ndarray = n > ar
            g = pick(sl_goal, rows)
            if g is not None:
                ok &= stable_service_level(n, ar, hr, t_b[rows], b) >= g
            g = pick(occ_goal, rows)
            if g is not None:
                ok &= occupancy_core(n, ar) <= g
            g = pick(asa_goal, rows)
            if g is not None:
                ok &= wait_split(n, ar, b)[0] * hr / (n - ar) <= g
            return ok

        guess = lower.copy()
        if sl_goal is not None:
            guess = np.maximum(guess, _erlang_c_guess(a_b, h_b, t_b, sl_goal[busy]))
        if occ_goal is not None:
            guess = np.maximum(guess, np.ceil(a_b / occ_goal[busy]))
        result[busy] = _erlang_c_search(a_b, guess, lower, meets)
    else:
        pat_b = flat["patience"][busy]
        lam_b = a_b / h_b

        def feasible(rows: np.ndarray, n: FloatArray) -> np.ndarray:
            res = erlang_a(n, lam_b[rows], h_b[rows], pat_b[rows])
            ok = np.ones(rows.size, dtype=bool)
            g = pick(sl_goal, rows)
            if g is not None:
                ok &= res.service_level(t_b[rows], definition, short_abandon=short_abandon) >= g
            g = pick(occ_goal, rows)
            if g is not None:
                ok &= np.asarray(res.occupancy) <= g
            g = pick(ab_goal, rows)
            if g is not None:
                ok &= np.asarray(res.p_abandon) <= g
            g = pick(asa_goal, rows)
            if g is not None:
                ok &= np.asarray(res.asa_answered) <= g
            return ok

        lower = np.ones_like(a_b)
        # Erlang C's count is a good start: abandonment usually lets one do with fewer.
        guess = lower.copy()
        if sl_goal is not None:
            guess = np.maximum(guess, _erlang_c_guess(a_b, h_b, t_b, sl_goal[busy]))
        result[busy] = _minimal_feasible(guess, lower, feasible)
    return to_int_output(result.reshape(shape), scalar)


# --- Rostering -------------------------------------------------------------------------------


def scheduled_agents(agents: Any, shrinkage: Any) -> Any:
    """Agents to roster so that ``agents`` remain after ``shrinkage`` (fraction in [0, 1)).

    ceil(agents / (1 - shrinkage)) in exact rational arithmetic: the shrinkage is read as the
    decimal it was written as (0.3 is 3/10, not 0.2999999999999999889), so 21 agents at 30%
    shrinkage roster 30, not 31.
    """
    scalar = is_scalar_call(agents, shrinkage)
    n_arr = as_agents(agents)
    s_arr = as_float("shrinkage", shrinkage)
    bad = ~np.isfinite(s_arr) | (s_arr < 0) | (s_arr >= 1)
    if bad.any():
        raise ValueError(
            f"shrinkage is {shrinkage!r}; it must lie in [0, 1) (e.g. 0.3 for 30% of paid time "
            "lost to breaks, training and absence)"
        )
    n, s = broadcast(n_arr, s_arr)
    out = np.empty(n.shape, dtype=np.int64)
    n_int = n.astype(np.int64)
    for value in np.unique(s):
        frac = Fraction(repr(float(value)))
        num, den = frac.numerator, frac.denominator
        mask = s == value
        keep = den - num  # agents / (1 - s) = agents * den / (den - num)
        if int(n_int[mask].max(initial=0)) * den < 2**62:
            out[mask] = -((-n_int[mask] * den) // keep)
        else:  # exact big-integer arithmetic for extreme inputs
            out[mask] = [-((-int(v) * den) // keep) for v in n_int[mask]]
    if scalar:
        return int(out)
    return out
