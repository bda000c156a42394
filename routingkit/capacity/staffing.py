"""Staffing: the fewest agents that meet every goal, rostering with shrinkage, square-root rule."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from scipy import special

from ._inputs import (
    MAX_AGENTS,
    FloatArray,
    as_agents,
    as_float,
    as_seconds,
    as_traffic,
    broadcast,
    check_open_unit,
    check_positive,
    first_bad,
    index_text,
    is_scalar_call,
    to_int_output,
    to_output,
)
from ._poisson import erlang_b_core
from .erlang import erlang_c_core, occupancy_core, stable_service_level, wait_split
from .erlang_a import (
    SERVICE_LEVEL_DEFINITIONS,
    ServiceLevelDefinition,
    check_erlang_a_loads,
    erlang_a_core,
)

Model = Literal["erlang_c", "erlang_a"]
_GOALS = ("service_level", "max_occupancy", "max_asa", "max_abandon")
_SQRT_2PI = float(np.sqrt(2.0 * np.pi))
_LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))
_LOG_TINY = float(np.log(np.finfo(np.float64).tiny))
_HW_DIRECT_MAX = 37.0  # beyond, Phi/phi = exp(beta^2/2)... is evaluated in logs
# Newton from beta = 0 reaches any p_wait down to the smallest subnormal in under 20 steps.
_HW_NEWTON_STEPS = 100


# --- Halfin-Whitt square-root staffing -------------------------------------------------------


def _hw_log_alpha_and_slope(beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """log of alpha(beta) = 1 / (1 + beta Phi(beta)/phi(beta)) and its derivative, beta >= 0."""
    shape = np.shape(beta)
    beta = np.atleast_1d(beta)
    # R = Phi/phi grows like exp(beta^2/2) and overflows past ~37: there, work with log R.
    b = np.minimum(beta, _HW_DIRECT_MAX)
    ratio = special.ndtr(b) * _SQRT_2PI * np.exp(0.5 * b * b)
    g = b * ratio
    g_slope = ratio + b * (1.0 + b * ratio)  # d/db (b R) with R' = 1 + b R
    log_alpha, slope = -np.log1p(g), -g_slope / (1.0 + g)
    far = beta > _HW_DIRECT_MAX
    if far.any():
        bf = beta[far]
        with np.errstate(over="ignore"):  # beta^2 past 1e308: alpha is 0 and the slope -inf
            log_ratio = special.log_ndtr(bf) + _LOG_SQRT_2PI + 0.5 * bf * bf
            inv_ratio = np.exp(-log_ratio)  # underflows to 0 harmlessly
            # log(1 + b R) = log(b R) + log1p(1 / (b R)); the slope with R divided out.
            log_alpha[far] = -(np.log(bf) + log_ratio + np.log1p(inv_ratio / bf))
            slope[far] = -(1.0 + bf * inv_ratio + bf * bf) / (inv_ratio + bf)
    return log_alpha.reshape(shape), slope.reshape(shape)


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
    for _ in range(_HW_NEWTON_STEPS):
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
    with np.errstate(over="ignore"):  # |beta| near 1e308: the rule asks for +-inf agents
        n = np.maximum(np.ceil(a + b * np.sqrt(a)), 0.0)
    if refine:
        if np.any(b <= 0):
            raise ValueError("refine=True needs beta > 0 (a delay-probability target below 1)")
        shape = n.shape
        a_flat = a.ravel()
        log_alpha = _hw_log_alpha_and_slope(b)[0]
        # Past beta ~ 37.5 the delay target underflows the normal floats (and soon to 0), where
        # Erlang C cannot be compared with it: the true answer lies far past MAX_AGENTS.
        too_strict = log_alpha < _LOG_TINY
        if too_strict.any():
            raise ValueError(
                f"beta{index_text(b, too_strict)} is {first_bad(b, too_strict)!r}: with "
                "refine=True beta must be at most about 37.5 (a delay probability of at least "
                "2.2e-308, the smallest normal float64)"
            )
        alpha = np.exp(log_alpha.ravel())
        lower = np.floor(a_flat) + 1.0
        # A rule's answer past MAX_AGENTS is still a valid place to search down from.
        n = _minimal_feasible(
            np.clip(n.ravel(), lower, MAX_AGENTS),
            lower,
            lambda i, m: erlang_c_core(m, a_flat[i]) <= alpha[i],
        )
        n = np.where(a_flat == 0, 0.0, n).reshape(shape)
    too_many = ~(n <= MAX_AGENTS)  # nan: no count up to MAX_AGENTS reaches alpha(beta)
    if too_many.any():
        raise ValueError(
            f"beta{index_text(n, too_many)} is {first_bad(b, too_many)!r}: at traffic "
            f"{first_bad(a, too_many)!r} Erlangs it asks for more than 2**53 agents, the "
            "supported range; choose beta from a delay target with halfin_whitt_beta"
        )
    return to_int_output(n, scalar)


# --- Integer search shared by the staffing functions -----------------------------------------


def _minimal_feasible(
    guess: FloatArray,
    lower: FloatArray,
    feasible: Callable[[np.ndarray, FloatArray], np.ndarray],
) -> FloatArray:
    """Smallest n in [lower, MAX_AGENTS] with feasible(n), searching from ``guess``; nan for a
    row feasible nowhere in that range.

    ``feasible(rows, n)`` evaluates rows ``rows`` at agent counts ``n``; it must be monotone
    (once feasible, feasible for every larger n). Near-exact guesses cost two evaluations;
    poor ones fall back to doubling then bisection, so no row takes more than O(log n) steps.
    Every loop ends by construction: strides double from 1 and stop at ``lower`` or at
    MAX_AGENTS = 2**53, and bisection halves a gap below 2**53, so each loop runs at most 54
    times. Below 2**53 every whole number is a float64, so n + 1 and each midpoint are exact.
    """
    n: FloatArray = np.clip(guess, lower, MAX_AGENTS).astype(np.float64)
    rows = np.arange(n.size)
    ok = feasible(rows, n)
    # Rows infeasible at the guess: grow by doubling steps until feasible, then bisect.
    up = rows[~ok]
    lo = n[up].copy()  # known infeasible
    step = np.ones_like(lo)
    while up.size:
        cand = np.minimum(lo + step, MAX_AGENTS)
        good = feasible(up, cand)
        n[up[good]] = cand[good]
        hi_rows, hi_lo, hi_hi = up[good], lo[good], cand[good]
        _bisect_into(n, hi_rows, hi_lo, hi_hi, feasible)
        beyond = ~good & (cand >= MAX_AGENTS)
        n[up[beyond]] = np.nan
        grow = ~good & ~beyond
        lo, step, up = cand[grow], step[grow] * 2.0, up[grow]
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
    """Given lo infeasible and hi feasible (whole numbers up to 2**53), store the smallest
    feasible n in (lo, hi]. Each round halves every gap: at most 53 rounds."""
    lo, hi = lo.copy(), hi.copy()
    while rows.size:
        wide = hi - lo > 1
        if not wide.any():
            break
        r, l_, h_ = rows[wide], lo[wide], hi[wide]
        mid = l_ + np.floor((h_ - l_) / 2.0)
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
    with np.errstate(over="ignore"):  # target / aht near 1e308
        k = sqrt_a * target / aht
    log_miss = np.log1p(-sl)
    # f(beta) = log alpha(beta) - k beta - log(1 - sl), decreasing and concave: Newton from the
    # left converges monotonically; three steps are plenty for a starting guess (a short guess
    # costs a cheap recurrence step, never correctness).
    beta = np.zeros_like(a)
    with np.errstate(over="ignore", invalid="ignore"):  # target / aht near 1e308
        for _ in range(3):
            value, slope = _hw_log_alpha_and_slope(beta)
            beta = np.maximum(beta - (value - k * beta - log_miss) / (slope - k), 0.0)
        guess = np.ceil(a + beta * sqrt_a)
    # Only a hint: where it is not a count (k infinite: any N > A will do), start from nothing.
    return np.where(np.isfinite(guess), np.minimum(guess, MAX_AGENTS), 0.0)


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

    Supported range (ValueError beyond it): ``traffic`` up to 1e7 Erlangs, answers up to 2**53
    agents (so ``max_occupancy`` at least traffic / 2**53) and, under Erlang A, traffic x
    patience / aht (callers arriving during one mean patience) up to 1e8 and patience / aht
    from 1e-9 to 1e9.
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
    full = dict(zip(names, broadcast(*arrays.values()), strict=True))
    flat = {name: value.ravel() for name, value in full.items()}
    shape = full["traffic"].shape
    if max_occupancy is not None:
        # Every goal met means A / N <= max_occupancy (the served load is at most A).
        with np.errstate(over="ignore"):  # a tiny goal: infinitely many agents
            too_many = full["traffic"] / full["max_occupancy"] > MAX_AGENTS
        if too_many.any():
            raise ValueError(
                f"max_occupancy{index_text(too_many, too_many)} is "
                f"{first_bad(full['max_occupancy'], too_many)!r}: at traffic "
                f"{first_bad(full['traffic'], too_many)!r} Erlangs it needs more than 2**53 "
                "agents, the supported range; give an occupancy goal such as 0.85"
            )
    if model == "erlang_a":
        with np.errstate(all="ignore"):  # values far past the bounds, refused below
            ratio = full["patience"] / full["aht"]
            patience_load = full["traffic"] * ratio
        check_erlang_a_loads(
            full["traffic"],
            patience_load,
            ratio,
            ("traffic", "traffic x patience / aht", "patience / aht"),
        )
    short = None
    if model == "erlang_a" and definition == "offered_excl_short":
        short = as_seconds(short_abandon, "short_abandon", allow_zero=True)
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
            res = erlang_a_core(n, lam_b[rows], h_b[rows], pat_b[rows])
            ok = np.ones(rows.size, dtype=bool)
            g = pick(sl_goal, rows)
            if g is not None:
                s_rows = None if short is None else np.broadcast_to(short, rows.shape)
                ok &= res.service_level_core(t_b[rows], definition, s_rows) >= g
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
    unmet = ~(result <= MAX_AGENTS).reshape(shape)  # nan: nothing up to MAX_AGENTS will do
    if unmet.any():  # a safety net: within the supported range every goal can be met
        raise ValueError(
            f"no agent count up to 2**53, the supported range, meets every goal for "
            f"traffic{index_text(unmet, unmet)} = {first_bad(full['traffic'], unmet)!r} "
            f"Erlangs; relax the goals ({', '.join(n for n in names if n in _GOALS)})"
        )
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
    n_int = n.astype(np.int64)  # exact: as_agents holds agents to 2**53
    too_many = np.zeros(n.shape, dtype=bool)
    for value in np.unique(s):
        frac = Fraction(repr(float(value)))
        num, den = frac.numerator, frac.denominator
        mask = s == value
        keep = den - num  # agents / (1 - s) = agents * den / (den - num)
        if max(int(n_int[mask].max(initial=0)), 1) * den < 2**62:
            rostered = -((-n_int[mask] * den) // keep)
        else:  # exact big-integer arithmetic for extreme inputs, held to MAX_AGENTS
            rostered = np.array(
                [min(-((-int(v) * den) // keep), MAX_AGENTS + 1) for v in n_int[mask]],
                dtype=np.int64,
            )
        out[mask] = rostered
        too_many[mask] = rostered > MAX_AGENTS
    if too_many.any():
        raise ValueError(
            f"shrinkage{index_text(too_many, too_many)} is {first_bad(s, too_many)!r}: rostering "
            f"agents = {int(first_bad(n, too_many))} takes more than 2**53 agents, the supported "
            "range"
        )
    if scalar:
        return int(out)
    return out
