"""Erlang A: the M/M/N+M queue (Poisson arrivals, exponential handling, exponential patience).

Exact formulas after Garnett, Mandelbaum & Reiman (2002), "Designing a call center with impatient
customers", M&SOM 4(3), with the waiting-time results of Mandelbaum & Zeltyn ("The M/M/n+M queue:
a summary of performance measures", 2007). Notation: mu = 1/aht, theta = 1/patience,
A = lambda/mu, and the two scaled quantities

    a = N mu / theta = N * patience / aht,      x = lambda / theta = lambda * patience.

With w_j = x^j / ((a+1)(a+2)...(a+j)), the stationary probabilities are pi_n ~ A^n/n! for n <= N
and pi_{N+j} = pi_N w_j. The tail sum T = sum_j w_j = P(a, x) / d(a, x), where P is the
regularised lower incomplete gamma and d(a, x) = x^a e^-x / Gamma(a + 1). From this:

* P(wait) = B / (B + (1 - B)/T), with B = Erlang B(N, A);
* P(abandon | wait) = sum_j j w_j / (x T);
* a waiting arrival's offered wait V (time to service if it never gave up) satisfies
  P(V > t | wait) = P(a, x u) / P(a, x) and
  P(served, V > t | wait) = (a / x) P(a + 1, x u) / P(a, x), with u = exp(-theta t).

Those closed forms follow because, given j callers ahead, V is the (j+1)-th order statistic of
a + j independent Exp(theta) variables (the rates N mu + k theta are equally spaced), and the
mixture over j collapses to incomplete gamma functions. Where x is well below a, the incomplete
gamma sits deep in its lower tail and loses relative precision, so the sums are evaluated as
series of positive terms instead; elsewhere we use ``scipy.special.gammainc``. Every quantity
stays finite for any load, including heavy overload (N much smaller than A).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
from scipy import special

from ._inputs import (
    MAX_PATIENCE_LOAD,
    MAX_PATIENCE_RATIO,
    MAX_TRAFFIC,
    BoolArray,
    FloatArray,
    as_agents,
    as_float,
    as_seconds,
    broadcast,
    check_at_most,
    check_nonnegative,
    check_positive,
    first_bad,
    index_text,
    is_scalar_call,
    to_output,
)
from ._poisson import FEW_ROWS, dpois, erlang_b_core

ServiceLevelDefinition = Literal["offered", "answered", "offered_excl_short", "all_arrivals"]
SERVICE_LEVEL_DEFINITIONS: tuple[str, ...] = (
    "offered",
    "answered",
    "offered_excl_short",
    "all_arrivals",
)

# For x < a the closed forms lose about min(a, a - x) times machine precision to cancellation,
# while the positive series need about min(40 a / (a - x), 10 sqrt(a)) terms. Use the series
# unless that count is large and the loss small.
_SERIES_GAP = 30.0
_SERIES_MAX_A = 1e5


def _kummer_sums(a: FloatArray, y: FloatArray, *, moments: bool) -> tuple[FloatArray, ...]:
    """Sums over w_j = y^j / ((a+1)...(a+j)) for y < a.

    Returns T = sum_j w_j and, with ``moments``, S / y and H / y, where S = sum_j j w_j and
    H = sum_j w_j h_j with h_j = sum_{k=1..j} 1/(a + k). The moments are summed over
    v_j = w_j / y directly, so they keep full precision when y underflows. All terms are
    positive; each row stops when its next term no longer changes the sums.
    """
    t_sum = np.ones_like(a)
    s_sum = np.zeros_like(a)
    h_sum = np.zeros_like(a)
    w = np.ones_like(a)
    v = np.ones_like(a)
    h = np.zeros_like(a)
    idx = np.arange(a.size)
    aa, yy = a, y
    j = 0
    while idx.size:
        if idx.size <= FEW_ROWS:  # the long rows' tails: per row, without numpy's per-call cost
            for k, i in enumerate(idx.tolist()):
                sums = (float(t_sum[i]), float(s_sum[i]), float(h_sum[i]))
                state = (float(w[k]), float(v[k]), float(h[k]))
                tail = _kummer_row(float(aa[k]), float(yy[k]), j, state, sums, moments)
                t_sum[i], s_sum[i], h_sum[i] = tail
            break
        j += 1
        w = w * yy / (aa + j)
        t_sum[idx] += w
        if moments:
            v = (v if j == 1 else v * yy) / (aa + j)
            h = h + 1.0 / (aa + j)
            s_sum[idx] += j * v
            h_sum[idx] += v * h
            keep = j * v > 1e-17 * s_sum[idx]
        else:
            keep = w > 1e-17 * t_sum[idx]
        # Terms rise while j < y - a; they cannot rise here since y < a, so stopping is safe.
        idx, w, v, h, aa, yy = idx[keep], w[keep], v[keep], h[keep], aa[keep], yy[keep]
    if moments:
        return t_sum, s_sum, h_sum
    return (t_sum,)


def _kummer_row(
    a: float,
    y: float,
    j: int,
    state: tuple[float, float, float],
    sums: tuple[float, float, float],
    moments: bool,
) -> tuple[float, float, float]:
    """:func:`_kummer_sums` for one row in Python floats (the same IEEE arithmetic, so the same
    sums), from term ``j`` with (w, v, h) = ``state`` and (T, S / y, H / y) = ``sums``."""
    w, v, h = state
    t_sum, s_sum, h_sum = sums
    while True:
        j += 1
        w = w * y / (a + j)
        t_sum += w
        if moments:
            v = (v if j == 1 else v * y) / (a + j)
            h = h + 1.0 / (a + j)
            s_sum += j * v
            h_sum += v * h
            if not j * v > 1e-17 * s_sum:
                return t_sum, s_sum, h_sum
        elif not w > 1e-17 * t_sum:
            return t_sum, s_sum, h_sum


def _answered_wait_integral_window(a: FloatArray, x: FloatArray) -> FloatArray:
    """I = int_0^x P(a+1, y) / y dy = sum_{m>=0} d(a+1+m, x) H_m, H_m = sum_{k<=m} 1/(a+1+k).

    d(a+1+m, x) is a Poisson-shaped bump in m centred near x - a with width sqrt(x), so only a
    window of about 24 sqrt(x) terms contributes; H is a digamma difference at the window start.
    """
    sd = np.sqrt(x)
    m0 = np.maximum(0.0, np.floor(x - a - 1.0 - 12.0 * sd - 12.0))
    m_end = np.maximum(m0, np.ceil(x - a + 12.0 * sd + 40.0))
    d = dpois(a + 1.0 + m0, x)
    harmonic = special.digamma(a + 2.0 + m0) - special.digamma(a + 1.0)
    total: FloatArray = d * harmonic
    m = m0.copy()
    idx = np.arange(a.size)
    while idx.size:
        if idx.size <= FEW_ROWS:  # the long rows' tails: per row, without numpy's per-call cost
            for k, i in enumerate(idx.tolist()):
                total[i] = _window_row(
                    float(a[i]),
                    float(x[i]),
                    float(m_end[i]),
                    float(d[k]),
                    float(harmonic[k]),
                    float(m[k]),
                    float(total[i]),
                )
            break
        d = d * x[idx] / (a[idx] + 2.0 + m)
        harmonic = harmonic + 1.0 / (a[idx] + 2.0 + m)
        m = m + 1.0
        total[idx] += d * harmonic
        keep = m < m_end[idx]
        idx, d, harmonic, m = idx[keep], d[keep], harmonic[keep], m[keep]
    return total


def _window_row(
    a: float, x: float, m_end: float, d: float, harmonic: float, m: float, total: float
) -> float:
    """:func:`_answered_wait_integral_window` for one row in Python floats, from term ``m``."""
    while True:
        d = d * x / (a + 2.0 + m)
        harmonic = harmonic + 1.0 / (a + 2.0 + m)
        m = m + 1.0
        total += d * harmonic
        if not m < m_end:
            return total


@dataclass(frozen=True)
class _Rows:
    """Per-row internals for the rows with agents > 0 and arrivals > 0 (flattened)."""

    a: FloatArray
    x: FloatArray
    patience: FloatArray
    series: BoolArray  # rows evaluated by positive series (x below a)
    t_sum: FloatArray  # T = sum_j w_j (series rows only; nan elsewhere)
    h_sum: FloatArray  # sum_j w_j h_j / x (series rows only)
    p_lower: FloatArray  # P(a, x) (closed-form rows only)


@dataclass(frozen=True, eq=False)
class ErlangAResult:
    """Steady-state measures of M/M/N+M. Fields are floats for scalar input, else arrays.

    Fields: ``p_wait`` (arrival finds all agents busy), ``p_abandon`` (arrival hangs up before
    answer), ``mean_wait`` (mean time in queue over all arrivals, seconds, = p_abandon x
    patience), ``occupancy`` (served load / agents), ``asa_answered`` (mean wait of answered
    calls, seconds; computed on first access). ``service_level(target, definition=...)`` gives
    the four service-level definitions analysts meet.
    """

    agents: Any
    arrival_rate: Any
    aht: Any
    patience: Any
    p_wait: Any
    p_abandon: Any
    mean_wait: Any
    occupancy: Any
    _scalar: bool = field(repr=False)
    _shape: tuple[int, ...] = field(repr=False)
    _active: BoolArray = field(repr=False)  # rows with agents and arrivals (flattened)
    _p_wait_flat: FloatArray = field(repr=False)
    _p_ab_wait: FloatArray = field(repr=False)  # P(abandon | wait), active rows
    _rows: _Rows = field(repr=False)

    def _out(self, flat: FloatArray) -> Any:
        return to_output(flat.reshape(self._shape), self._scalar)

    def _tail_ratios(self, t: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(u, P(V > t | wait), P(served, V > t | wait)) for active rows and waits ``t``."""
        rows = self._rows
        a, x = rows.a, rows.x
        with np.errstate(over="ignore"):  # theta t = inf: every caller has given up by t
            theta_t = t / rows.patience  # not (1 / patience) t: that overflows for tiny patience
        u = np.exp(-theta_t)
        survive = np.empty_like(a)
        served_late = np.empty_like(a)
        ser = rows.series
        if ser.any():
            a_s, x_s, u_s = a[ser], x[ser], u[ser]
            # d(a, x u) / d(a, x) = u^a e^{x (1 - u)}, in logs to avoid overflow.
            with np.errstate(over="ignore"):  # a theta t = inf: the ratio is 0
                ratio = np.exp(-a_s * theta_t[ser] + x_s * -np.expm1(-theta_t[ser]))
            (t_au,) = _kummer_sums(a_s, x_s * u_s, moments=False)
            (t_a1u,) = _kummer_sums(a_s + 1.0, x_s * u_s, moments=False)
            t_sum = rows.t_sum[ser]
            survive[ser] = ratio * t_au / t_sum
            served_late[ser] = a_s / (a_s + 1.0) * u_s * ratio * t_a1u / t_sum
        cf = ~ser
        if cf.any():
            a_c, x_c, u_c, p_c = a[cf], x[cf], u[cf], rows.p_lower[cf]
            survive[cf] = special.gammainc(a_c, x_c * u_c) / p_c
            served_late[cf] = a_c / x_c * special.gammainc(a_c + 1.0, x_c * u_c) / p_c
        return u, np.minimum(survive, 1.0), served_late

    def service_level(
        self,
        target: Any,
        definition: ServiceLevelDefinition = "offered",
        *,
        short_abandon: Any = None,
    ) -> Any:
        """Service level for a target answer time ``target`` (seconds).

        ``definition``:

        * ``"offered"``: answered within target / offered. This is Genesys Cloud's
          ``oServiceLevel`` with the default analytics options (flow-outs excluded, abandons and
          short abandons included): answered within target / (answered + abandoned).
        * ``"answered"``: answered within target / answered.
        * ``"offered_excl_short"``: answered within target / (offered - abandoned within
          ``short_abandon`` seconds), Genesys's option "Include Short Abandons" switched off.
        * ``"all_arrivals"``: P(wait <= target) for every arrival, the wait ending in an answer
          or an abandon (the classic Erlang C reading).
        """
        if definition not in SERVICE_LEVEL_DEFINITIONS:
            choices = ", ".join(SERVICE_LEVEL_DEFINITIONS)
            raise ValueError(f"definition is {definition!r}; choose one of {choices}")
        if definition == "offered_excl_short" and short_abandon is None:
            raise ValueError(
                "short_abandon is required with definition='offered_excl_short': give the "
                "short-abandon threshold in seconds (Genesys's default is 10)"
            )
        t_full = as_seconds(target, "target", allow_zero=True)
        scalar = self._scalar and np.ndim(t_full) == 0
        t_full = np.broadcast_to(t_full, self._shape).ravel() if self._shape else t_full.ravel()
        if t_full.size != self._p_wait_flat.size:
            raise ValueError(f"target of shape {np.shape(target)} does not match {self._shape}")
        short = None
        if definition == "offered_excl_short":
            s = as_seconds(short_abandon, "short_abandon", allow_zero=True)
            short = np.broadcast_to(s, self._shape).ravel() if self._shape else s.ravel()
        result = self.service_level_core(t_full, definition, short).reshape(self._shape)
        return float(result) if scalar else result

    def service_level_core(
        self, t_full: FloatArray, definition: str, short: FloatArray | None
    ) -> FloatArray:
        """:meth:`service_level` for validated, flattened targets (and short-abandon limits
        with ``"offered_excl_short"``), one per row; the staffing search calls it directly."""
        active = self._active
        p_wait = self._p_wait_flat
        out = np.empty(p_wait.size)
        # Inactive rows: no arrivals (everything answered at once) or no agents (nobody is).
        no_agents = ~active & (p_wait > 0)
        out[~active] = 1.0
        if definition in ("offered", "offered_excl_short", "answered"):
            out[no_agents] = 0.0
        else:
            patience = np.broadcast_to(self._patience_flat, p_wait.shape)[no_agents]
            with np.errstate(over="ignore"):  # t / patience = inf: all have given up by t
                out[no_agents] = -np.expm1(-t_full[no_agents] / patience)
        if active.any():
            t = t_full[active]
            pw = p_wait[active]
            p_ab_w = self._p_ab_wait
            u, survive, served_late = self._tail_ratios(t)
            if definition == "all_arrivals":
                value = 1.0 - pw * u * survive
            else:
                served_in = (1.0 - pw) + pw * np.maximum((1.0 - p_ab_w) - served_late, 0.0)
                if definition == "offered":
                    value = served_in
                elif definition == "answered":
                    value = served_in / (1.0 - pw * p_ab_w)
                else:
                    assert short is not None
                    s_active = np.broadcast_to(short, p_wait.shape)[active]
                    u_s, survive_s, served_late_s = self._tail_ratios(s_active)
                    short_ab = pw * np.maximum(p_ab_w - u_s * survive_s + served_late_s, 0.0)
                    value = served_in / (1.0 - short_ab)
            out[active] = np.clip(value, 0.0, 1.0)
        return out

    @property
    def _patience_flat(self) -> FloatArray:
        return np.broadcast_to(np.asarray(self.patience, dtype=np.float64), self._shape).ravel()

    @cached_property
    def asa_answered(self) -> Any:
        """Mean wait of answered calls in seconds (``inf`` with no agents).

        E[W; served | wait] = patience (a/x) int_0^x P(a+1, y)/y dy / P(a, x), divided by the
        answered fraction. Computed on first access because its series is the costly part.
        """
        active = self._active
        p_wait = self._p_wait_flat
        out = np.where(p_wait > 0, np.inf, 0.0)  # inactive: no agents -> inf, no arrivals -> 0
        if active.any():
            rows = self._rows
            a, x = rows.a, rows.x
            scaled = np.empty_like(a)  # (a/x) I / P(a, x)
            ser = rows.series
            if ser.any():
                scaled[ser] = a[ser] * rows.h_sum[ser] / rows.t_sum[ser]
            cf = ~ser
            if cf.any():
                a_c, x_c = a[cf], x[cf]
                integral = np.empty_like(a_c)
                # Far above the bump, P(a+1, y) = 1 to double precision over the rest of the
                # range, and the integral is log x - digamma(a + 1).
                far = x_c > a_c + 1.0 + 40.0 * np.sqrt(a_c + 1.0) + 40.0
                integral[far] = np.log(x_c[far]) - special.digamma(a_c[far] + 1.0)
                near = ~far
                if near.any():
                    integral[near] = _answered_wait_integral_window(a_c[near], x_c[near])
                scaled[cf] = a_c / x_c * integral / rows.p_lower[cf]
            pw = p_wait[active]
            answered = 1.0 - pw * self._p_ab_wait
            out[active] = pw * scaled * rows.patience / answered
        return self._out(out)


def erlang_a(agents: Any, arrival_rate: Any, aht: Any, patience: Any) -> ErlangAResult:
    """Exact steady state of the Erlang A (M/M/N+M) queue.

    ``agents`` N (whole, >= 0), ``arrival_rate`` lambda in calls per second, ``aht`` mean handle
    time in seconds, ``patience`` mean of the exponential time a caller is willing to wait, in
    seconds. Stable for every load: with abandonment the queue never grows without bound.
    Returns an :class:`ErlangAResult`.

    Estimate ``patience`` from history as total waiting time / abandons (the maximum-likelihood
    estimate for exponential patience).

    Supported range (ValueError beyond it): ``agents`` up to 2**53, offered load
    ``arrival_rate x aht`` up to 1e7 Erlangs, ``arrival_rate x patience`` (callers arriving
    during one mean patience) up to 1e8, which bounds the length of the tail sums, and
    ``patience / aht`` from 1e-9 to 1e9 (beyond, the queue is Erlang B or Erlang C to within
    rounding, and the scaled loads leave the range where the incomplete gamma is reliable).
    """
    scalar = is_scalar_call(agents, arrival_rate, aht, patience)
    lam = as_float("arrival_rate", arrival_rate)
    check_nonnegative("arrival_rate", lam, "calls per second")
    patience_arr = as_float("patience", patience)
    check_positive(
        "patience",
        patience_arr,
        "mean seconds a caller waits before hanging up; estimate it as waiting time / abandons",
    )
    n, lam, h, pat = broadcast(
        as_agents(agents), lam, as_seconds(aht, "aht", allow_zero=False), patience_arr
    )
    with np.errstate(over="ignore", under="ignore"):  # values far past the bounds
        traffic, patience_load, ratio = lam * h, lam * pat, pat / h
    check_erlang_a_loads(
        traffic,
        patience_load,
        ratio,
        ("arrival_rate x aht", "arrival_rate x patience", "patience / aht"),
    )
    return erlang_a_core(n.ravel(), lam.ravel(), h.ravel(), pat.ravel(), n.shape, scalar)


def check_erlang_a_loads(
    traffic: FloatArray,
    patience_load: FloatArray,
    patience_ratio: FloatArray,
    names: tuple[str, str, str],
) -> None:
    """Refuse Erlang A inputs outside the supported range (see ``_inputs``), naming each
    quantity as the caller spelled it: the offered load, the callers arriving during one mean
    patience (the tail sums take about 10 sqrt of it terms) and patience / aht."""
    traffic_name, load_name, ratio_name = names
    check_at_most(traffic_name, traffic, MAX_TRAFFIC, "1e7 Erlangs of offered load")
    check_at_most(
        ratio_name,
        patience_ratio,
        MAX_PATIENCE_RATIO,
        "1e9: callers that patient never abandon; use model 'erlang_c'",
    )
    bad = patience_ratio < 1.0 / MAX_PATIENCE_RATIO
    if bad.any():
        raise ValueError(
            f"{ratio_name}{index_text(patience_ratio, bad)} is {first_bad(patience_ratio, bad)!r}; "
            f"{ratio_name} must be at least 1e-9, the supported range: callers that impatient "
            "never wait, so the queue is a loss system (use erlang_b)"
        )
    check_at_most(
        load_name,
        patience_load,
        MAX_PATIENCE_LOAD,
        "1e8 callers arriving per mean patience (for callers that patient use model "
        "'erlang_c', which has no abandonment)",
    )


def erlang_a_core(
    n: FloatArray,
    lam: FloatArray,
    h: FloatArray,
    pat: FloatArray,
    shape: tuple[int, ...] | None = None,
    scalar: bool = False,
) -> ErlangAResult:
    """:func:`erlang_a` for validated flat arrays of equal length, within the supported loads.

    ``shape`` and ``scalar`` say how the result's fields are shaped (default: flat arrays).
    """
    if shape is None:
        shape = n.shape
    traffic = lam * h

    p_wait = np.where((n == 0) & (lam > 0), 1.0, 0.0)
    p_ab = p_wait.copy()  # no agents: everybody abandons; no arrivals: nobody
    occupancy = np.where((n == 0) & (lam > 0), 1.0, 0.0)
    active = (n > 0) & (lam > 0)

    with np.errstate(over="ignore"):  # agents x patience past 1e308; the quotient is in range
        a = n[active] * pat[active] / h[active]
    a = np.where(np.isfinite(a), a, n[active] * (pat[active] / h[active]))
    x = lam[active] * pat[active]
    series = (x < a) & ((a - x > _SERIES_GAP) | (a < _SERIES_MAX_A))
    t_sum = np.full(a.shape, np.nan)
    h_sum = np.full(a.shape, np.nan)
    p_lower = np.full(a.shape, np.nan)
    r = np.empty_like(a)  # 1 / T
    p_ab_wait = np.empty_like(a)
    if series.any():
        t_s, s_s, h_s = _kummer_sums(a[series], x[series], moments=True)
        t_sum[series], h_sum[series] = t_s, h_s
        r[series] = 1.0 / t_s
        p_ab_wait[series] = s_s / t_s
    cf = ~series
    if cf.any():
        a_c, x_c = a[cf], x[cf]
        p_c = special.gammainc(a_c, x_c)
        p_lower[cf] = p_c
        r_c = dpois(a_c, x_c) / p_c
        r[cf] = r_c
        # sum j w_j / (x T) = 1 - (a/x)(1 - 1/T): little cancellation where x >= a - 30.
        p_ab_wait[cf] = 1.0 - a_c / x_c * (1.0 - r_c)
    p_ab_wait = np.clip(p_ab_wait, 0.0, 1.0)

    b = erlang_b_core(n[active], traffic[active])
    den = b + (1.0 - b) * r
    pw_active = np.where(den > 0, b / np.where(den > 0, den, 1.0), 1.0)
    p_wait[active] = pw_active
    p_ab[active] = pw_active * p_ab_wait
    occupancy[active] = np.minimum(traffic[active] * (1.0 - p_ab[active]) / n[active], 1.0)
    mean_wait = p_ab * pat

    def out(v: FloatArray) -> Any:
        return to_output(v.reshape(shape), scalar)

    return ErlangAResult(
        agents=out(n),
        arrival_rate=out(lam),
        aht=out(h),
        patience=out(pat),
        p_wait=out(p_wait),
        p_abandon=out(p_ab),
        mean_wait=out(mean_wait),
        occupancy=out(occupancy),
        _scalar=scalar,
        _shape=shape,
        _active=active,
        _p_wait_flat=p_wait,
        _p_ab_wait=p_ab_wait,
        _rows=_Rows(
            a=a, x=x, patience=pat[active], series=series, t_sum=t_sum, h_sum=h_sum, p_lower=p_lower
        ),
    )
