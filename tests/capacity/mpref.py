"""Independent high-precision references, computed with mpmath from first principles.

Nothing here shares code or formulas with routingkit.capacity: Erlang B comes from mpmath's
incomplete gamma at 50 digits, Erlang A from summing the birth-death chain's stationary
distribution term by term, and waiting-time measures from the hypoexponential law of the wait
given the number of callers ahead.
"""

from __future__ import annotations

import math

import mpmath as mp

DPS = 50


def erlang_b(n: int, a: float) -> mp.mpf:
    with mp.workdps(DPS):
        a = mp.mpf(a)
        if n == 0:
            return mp.mpf(1)
        if a == 0:
            return mp.mpf(0)
        pmf = mp.exp(-a + n * mp.log(a) - mp.loggamma(n + 1))
        cdf = mp.gammainc(n + 1, a, mp.inf, regularized=True)
        return pmf / cdf


def erlang_c(n: int, a: float) -> mp.mpf:
    with mp.workdps(DPS):
        if n <= a:
            return mp.mpf(1)
        b = erlang_b(n, a)
        rho = mp.mpf(a) / n
        return b / (1 - rho * (1 - b))


def service_level(n: int, a: float, aht: float, target: float) -> mp.mpf:
    with mp.workdps(DPS):
        if n <= a:
            return mp.mpf(0)
        return 1 - erlang_c(n, a) * mp.exp(-(n - mp.mpf(a)) * mp.mpf(target) / mp.mpf(aht))


def asa(n: int, a: float, aht: float) -> mp.mpf:
    with mp.workdps(DPS):
        if n <= a:
            return mp.inf
        return erlang_c(n, a) * mp.mpf(aht) / (n - mp.mpf(a))


def required_agents_c(a: float, aht: float, target: float, sl: float) -> int:
    """Brute force: the first N above A whose 50-digit service level reaches the goal."""
    if a == 0:
        return 0
    n = math.floor(a) + 1
    while service_level(n, a, aht, target) < sl:
        n += 1
    return n


class ErlangAChain:
    """M/M/N+M by summing the stationary distribution of its birth-death chain."""

    def __init__(self, n: int, lam: float, aht: float, patience: float, tail_j: int = 0) -> None:
        with mp.workdps(DPS):
            lam_, mu, th = mp.mpf(lam), 1 / mp.mpf(aht), 1 / mp.mpf(patience)
            self.n, self.lam, self.mu, self.th = n, lam_, mu, th
            a_load = lam_ / mu
            # weights relative to pi_N for states below N ...
            below, busy, term = mp.mpf(0), mp.mpf(0), mp.mpf(1)
            for k in range(n - 1, -1, -1):
                term = term * (k + 1) / a_load
                below += term
                busy += k * term
            # ... and above N, until the terms are negligible past the mode
            self.tail: list[mp.mpf] = []
            w, j = mp.mpf(1), 0
            total = mp.mpf(0)
            mode = max(0.0, float((lam_ - n * mu) / th))
            while True:
                self.tail.append(w)
                total += w
                j += 1
                w = w * lam_ / (n * mu + j * th)
                if j > mode + 10 and w < mp.mpf(10) ** (-DPS + 5) * total:
                    break
            z = below + total
            self.z = z
            self.p_wait = total / z
            queue = sum(j * wj for j, wj in enumerate(self.tail))
            self.p_abandon = th * queue / z / lam_
            self.occupancy = (busy + n * total) / z / n
            self.mean_wait = queue / z / lam_

    def _hypo(self, j: int) -> tuple[list[mp.mpf], list[mp.mpf]]:
        """Rates and partial-fraction coefficients of V | j callers ahead."""
        rates = [self.n * self.mu + k * self.th for k in range(j + 1)]
        coefs = []
        for k, ck in enumerate(rates):
            prod = mp.mpf(1)
            for i, ci in enumerate(rates):
                if i != k:
                    prod *= ci / (ci - ck)
            coefs.append(prod)
        return rates, coefs

    def measures_at(self, t: float) -> dict[str, mp.mpf]:
        """P(served, V <= t), P(W > t) and E[W; served], summed over callers ahead j."""
        dps = DPS + len(self.tail) // 2  # partial fractions cancel heavily for long tails
        with mp.workdps(dps):
            t = mp.mpf(t)
            served_in = 1 - self.p_wait
            wait_over = mp.mpf(0)
            served_wait = mp.mpf(0)
            for j, wj in enumerate(self.tail):
                pj = wj / self.z
                rates, coefs = self._hypo(j)
                th = self.th
                served_in += pj * sum(
                    c * r * (1 - mp.exp(-(r + th) * t)) / (r + th)
                    for c, r in zip(coefs, rates, strict=True)
                )
                wait_over += (
                    pj
                    * mp.exp(-th * t)
                    * sum(c * mp.exp(-r * t) for c, r in zip(coefs, rates, strict=True))
                )
                p_served = self.n * self.mu / (self.n * self.mu + (j + 1) * th)
                served_wait += pj * p_served * sum(1 / (r + th) for r in rates)
            return {"served_within": served_in, "wait_over": wait_over, "served_wait": served_wait}
