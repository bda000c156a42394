"""Erlang B and Erlang C (M/M/N) measures, vectorised and exact to near machine precision.

Conventions: ``agents`` N is a whole number, ``traffic`` A is the offered load in Erlangs
(arrival rate per second x AHT in seconds), ``aht`` and ``target`` are seconds. Inputs broadcast
like numpy ufuncs; scalar inputs give Python scalars. An unstable queue (N <= A) is answered by
definition (P(wait) = 1, service level 0, ASA infinite), never by an exception.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._inputs import (
    FloatArray,
    as_agents,
    as_seconds,
    as_traffic,
    broadcast,
    is_scalar_call,
    to_output,
)
from ._poisson import erlang_b_core


def erlang_b(agents: Any, traffic: Any) -> Any:
    """Blocking probability of the Erlang loss system M/M/N/N.

    B(N, A) = (A^N / N!) / sum_{k=0..N} A^k / k!  (A. K. Erlang, 1917).

    Computed as a Poisson density over a Poisson CDF (regularised incomplete gamma), with a
    saddle-point density so that the relative error stays near 1e-15 up to 10^5 agents.
    ``erlang_b(0, A) == 1``; ``erlang_b(N, 0) == 0`` for N >= 1.
    """
    scalar = is_scalar_call(agents, traffic)
    n, a = broadcast(as_agents(agents), as_traffic(traffic))
    return to_output(erlang_b_core(n, a), scalar)


def erlang_c_core(n: FloatArray, a: FloatArray) -> FloatArray:
    """P(wait) for validated broadcast arrays; 1 where N <= A."""
    out = np.ones(n.shape, dtype=np.float64)
    stable = n > a
    if stable.any():
        ns, as_ = n[stable], a[stable]
        out[stable] = wait_split(ns, as_, erlang_b_core(ns, as_))[0]
    return out


def erlang_c(agents: Any, traffic: Any) -> Any:
    """Probability that an arrival waits in M/M/N (Erlang C).

    C(N, A) = N B(N, A) / (N - A + A B(N, A)) for N > A and 1.0 when N <= A (the queue
    grows without bound, so every arrival eventually waits).
    """
    scalar = is_scalar_call(agents, traffic)
    n, a = broadcast(as_agents(agents), as_traffic(traffic))
    return to_output(erlang_c_core(n, a), scalar)


def wait_split(n: FloatArray, a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(P(wait), P(no wait)) of a stable M/M/N from its Erlang B value b = B(N, A).

    C = N B / (N - A + A B) and 1 - C = (N - A)(1 - B) / (N - A + A B): every term positive,
    so neither loses precision near saturation or when tiny.
    """
    denom = n - a + a * b
    return n * b / denom, (n - a) * (1.0 - b) / denom


def stable_service_level(
    n: FloatArray, a: FloatArray, aht: FloatArray, t: FloatArray, b: FloatArray
) -> FloatArray:
    """1 - C e^{-(N-A) t/aht} for N > A, as (1 - C) + C (1 - e^{-x}): two positive terms."""
    p_wait, p_no_wait = wait_split(n, a, b)
    with np.errstate(over="ignore"):  # target / aht past 1e308: e^-inf = 0, as it should be
        decay = -np.expm1(-(n - a) * t / aht)
    return np.minimum(p_no_wait + p_wait * decay, 1.0)


def service_level_core(n: FloatArray, a: FloatArray, aht: FloatArray, t: FloatArray) -> FloatArray:
    out = np.zeros(n.shape, dtype=np.float64)
    stable = n > a
    if stable.any():
        ns, as_ = n[stable], a[stable]
        b = erlang_b_core(ns, as_)
        out[stable] = stable_service_level(ns, as_, aht[stable], t[stable], b)
    return out


def service_level(agents: Any, traffic: Any, aht: Any, target: Any) -> Any:
    """P(wait <= target) in M/M/N under FCFS, as a fraction in [0, 1].

    SL = 1 - C(N, A) exp(-(N - A) target / aht); 0.0 when N <= A. ``aht`` and ``target`` in
    seconds. Every arrival is eventually answered in this model, so this is also "answered
    within target over offered" (and over answered).
    """
    scalar = is_scalar_call(agents, traffic, aht, target)
    n, a, h, t = broadcast(
        as_agents(agents),
        as_traffic(traffic),
        as_seconds(aht, "aht", allow_zero=False),
        as_seconds(target, "target", allow_zero=True),
    )
    return to_output(service_level_core(n, a, h, t), scalar)


def asa_core(n: FloatArray, a: FloatArray, aht: FloatArray) -> FloatArray:
    out = np.full(n.shape, np.inf)
    stable = n > a
    if stable.any():
        ns, as_ = n[stable], a[stable]
        out[stable] = erlang_c_core(ns, as_) * aht[stable] / (ns - as_)
    return out


def asa(agents: Any, traffic: Any, aht: Any) -> Any:
    """Average speed of answer: mean wait over all arrivals in M/M/N, in seconds.

    ASA = C(N, A) aht / (N - A); ``inf`` when N <= A.
    """
    scalar = is_scalar_call(agents, traffic, aht)
    n, a, h = broadcast(
        as_agents(agents), as_traffic(traffic), as_seconds(aht, "aht", allow_zero=False)
    )
    return to_output(asa_core(n, a, h), scalar)


def occupancy_core(n: FloatArray, a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > a, a / np.where(n > 0, n, 1.0), 1.0)
    return np.where((n == 0) & (a == 0), 0.0, occ)


def occupancy(agents: Any, traffic: Any) -> Any:
    """Fraction of agent time spent handling: A / N, capped at 1.0 when N <= A.

    With no agents and no traffic the occupancy is 0.0.
    """
    scalar = is_scalar_call(agents, traffic)
    n, a = broadcast(as_agents(agents), as_traffic(traffic))
    return to_output(occupancy_core(n, a), scalar)
